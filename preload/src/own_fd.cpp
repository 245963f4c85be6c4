// SPDX-License-Identifier: MIT
/// @brief The preload library's own file descriptors, kept out of the program's way.
#include "own_fd.h"

#include <fcntl.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

namespace memprof::preload {

int moveFdHigh(int fd) noexcept {
  if (fd < 0) return fd;
  // Just under the soft limit (at most 1024: a larger fd table would cost every fork), where
  // the program's own descriptors, always the lowest free numbers, come last.
  rlimit limit{};
  rlim_t top = 1024;
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < top) top = limit.rlim_cur;
  const int floor = static_cast<int>(top >= 256 ? top - 64 : top / 2);
  if (fd >= floor) return fd;
  const int high = fcntl(fd, F_DUPFD_CLOEXEC, floor);
  if (high < 0) return fd;
  close(fd);
  return high;
}

bool fileIdentity(int fd, FileIdentity* out) noexcept {
  struct stat st {};
  if (fd < 0 || fstat(fd, &st) != 0) return false;
  out->dev = st.st_dev;
  out->ino = st.st_ino;
  return true;
}

bool fdIsFile(int fd, const FileIdentity& id) noexcept {
  FileIdentity now;
  return fileIdentity(fd, &now) && now.dev == id.dev && now.ino == id.ino;
}

std::uint64_t perfEventId(int fd) noexcept {
  std::uint64_t id = 0;
  if (fd < 0 || ioctl(fd, PERF_EVENT_IOC_ID, &id) != 0) return 0;
  return id;
}

bool fdIsPerfEvent(int fd, std::uint64_t id) noexcept { return id != 0 && perfEventId(fd) == id; }

int ownPerfFd(int fd, std::uint64_t id) noexcept {
  if (fd < 0) return -1;
  if (id == 0) return fd;
  return fdIsPerfEvent(fd, id) ? fd : -1;
}

}  // namespace memprof::preload
