// SPDX-License-Identifier: MIT
/// @brief /proc/self/maps look-up with raw system calls (see mapping_bounds.h).
#include "mapping_bounds.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

namespace memprof::preload {

namespace {

bool parseHex(const char** at, const char* end, std::uintptr_t* out) {
  std::uintptr_t value = 0;
  const char* p = *at;
  const char* first = p;
  for (; p < end; ++p) {
    unsigned digit = 0;
    if (*p >= '0' && *p <= '9') {
      digit = static_cast<unsigned>(*p - '0');
    } else if (*p >= 'a' && *p <= 'f') {
      digit = static_cast<unsigned>(*p - 'a' + 10);
    } else {
      break;
    }
    value = value * 16 + digit;
  }
  if (p == first || p - first > 16) return false;
  *at = p;
  *out = value;
  return true;
}

}  // namespace

bool parseMapsLine(const char* line, const char* end, MappingBounds* out) noexcept {
  const char* p = line;
  MappingBounds bounds;
  if (!parseHex(&p, end, &bounds.begin) || p == end || *p != '-') return false;
  ++p;
  if (!parseHex(&p, end, &bounds.end) || bounds.end <= bounds.begin) return false;
  *out = bounds;
  return true;
}

MappingBounds findMappingBounds(std::uintptr_t address) noexcept {
  const int savedErrno = errno;
  MappingBounds found;
  const int fd =
      static_cast<int>(syscall(SYS_openat, AT_FDCWD, "/proc/self/maps", O_RDONLY | O_CLOEXEC));
  if (fd < 0) {
    errno = savedErrno;
    return found;
  }
  // Only the start of each line matters ("begin-end"): it is gathered into a small buffer
  // across reads, and the rest of the line (permissions, path) is skipped.
  char chunk[4096];
  char head[48];
  std::size_t headLength = 0;
  bool done = false;
  while (!done) {
    const ssize_t got = static_cast<ssize_t>(syscall(SYS_read, fd, chunk, sizeof chunk));
    if (got <= 0) break;
    const char* p = chunk;
    const char* const end = chunk + got;
    while (p < end) {
      const auto* newline =
          static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
      const char* segmentEnd = newline != nullptr ? newline : end;
      std::size_t take = static_cast<std::size_t>(segmentEnd - p);
      if (take > sizeof head - headLength) take = sizeof head - headLength;
      std::memcpy(head + headLength, p, take);
      headLength += take;
      if (newline == nullptr) break;
      MappingBounds bounds;
      if (parseMapsLine(head, head + headLength, &bounds) && address >= bounds.begin &&
          address < bounds.end) {
        found = bounds;
        done = true;
        break;
      }
      headLength = 0;
      p = newline + 1;
    }
  }
  syscall(SYS_close, fd);
  errno = savedErrno;
  return found;
}

}  // namespace memprof::preload
