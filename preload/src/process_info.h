// SPDX-License-Identifier: MIT
/// @brief Facts about this process for the log's Process record (pid, command line, clocks).
/// Thread-safety: read-mostly globals set at init and in the fork child.
/// Signal-safety: encodeProcessRecord uses only syscalls.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>

namespace memprof::preload {

extern pid_t g_pid;

/// False in a forked child: its log takes the descendant name.
bool isRootImage() noexcept;
void markForkChild() noexcept;

/// Encodes the Process record into @p out; returns its size (0 if it does not fit).
std::size_t encodeProcessRecord(std::uint8_t* out, std::size_t capacity) noexcept;

}  // namespace memprof::preload
