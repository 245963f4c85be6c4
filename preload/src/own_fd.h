// SPDX-License-Identifier: MIT
/// @brief The preload library's own file descriptors, kept out of the program's way.
///
/// Programs close descriptors they did not open (daemons close every fd >= 3, close_range,
/// closefrom) and then reuse the numbers for their own files. A number we remembered may then
/// name the program's file: writing, reading or closing it would change what the program does.
/// So our long-lived descriptors sit high in the table, above where the program's next open()
/// lands, and every use first checks that the number still names the object we opened.
/// Thread-safety: thread-safe (only syscalls). Signal-safety: async-signal-safe.
#pragma once

#include <sys/types.h>

#include <cstdint>

namespace memprof::preload {

/// Moves @p fd (close-on-exec) to a high number, closing the original; returns the new number,
/// or @p fd itself when no high number is free.
int moveFdHigh(int fd) noexcept;

/// What identifies an open file: device and inode (fstat).
struct FileIdentity {
  dev_t dev = 0;
  ino_t ino = 0;
};

/// The identity of @p fd; false when it is not open.
bool fileIdentity(int fd, FileIdentity* out) noexcept;
/// True when @p fd is open on the file @p id names.
bool fdIsFile(int fd, const FileIdentity& id) noexcept;

/// The kernel's id of the perf event open on @p fd (PERF_EVENT_IOC_ID); 0 when @p fd is not a
/// perf event. Anonymous-inode fds all share one inode, so fstat cannot tell them apart.
std::uint64_t perfEventId(int fd) noexcept;
/// True when @p fd is still the perf event whose id is @p id.
bool fdIsPerfEvent(int fd, std::uint64_t id) noexcept;
/// @p fd when it is still the perf event @p id (or when @p id is 0: a kernel without
/// PERF_EVENT_IOC_ID, nothing to check against), else -1: the program closed it and may have
/// reused the number.
int ownPerfFd(int fd, std::uint64_t id) noexcept;

}  // namespace memprof::preload
