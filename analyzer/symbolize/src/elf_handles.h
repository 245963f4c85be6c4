// SPDX-License-Identifier: MIT
/// @brief Owners of a file descriptor and of a libelf handle, for the debug-file search and cache.
#pragma once

#include <libelf.h>
#include <unistd.h>

#include <memory>
#include <utility>

namespace memprof::symbolize::detail {

/// Closes a file descriptor unless released (handed over to libdwfl or to the caller).
class FdGuard {
 public:
  explicit FdGuard(int fd) : m_fd(fd) {}
  ~FdGuard() {
    if (m_fd >= 0) ::close(m_fd);
  }
  FdGuard(const FdGuard&) = delete;
  FdGuard& operator=(const FdGuard&) = delete;
  [[nodiscard]] int get() const { return m_fd; }
  int release() { return std::exchange(m_fd, -1); }

 private:
  int m_fd;
};

struct ElfDeleter {
  void operator()(Elf* elf) const noexcept { elf_end(elf); }
};
/// An Elf handle from elf_begin, ended with elf_end.
using ElfPtr = std::unique_ptr<Elf, ElfDeleter>;

}  // namespace memprof::symbolize::detail
