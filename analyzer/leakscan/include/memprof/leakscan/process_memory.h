// SPDX-License-Identifier: MIT
/// @brief Reads another process's memory with process_vm_readv, through a chunk cache.
///
/// Blocks are visited in graph order, not address order; caching aligned chunks turns the
/// million small reads of a big heap into a few thousand syscalls. Unreadable pages read as
/// zeros (a guard page, a mapping that went away).
/// Thread-safety: one instance per thread.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <unordered_map>
#include <vector>

#include "memprof/leakscan/reachability.h"

namespace memprof::leakscan {

class ProcessMemory : public MemorySource {
 public:
  explicit ProcessMemory(pid_t pid, std::size_t cacheBytes = 512U << 20);
  void read(std::uint64_t addr, void* out, std::size_t size) override;

  /// True once any read succeeded (false: no permission, or the process is gone).
  [[nodiscard]] bool anyReadable() const { return m_anyReadable; }
  [[nodiscard]] std::uint64_t syscalls() const { return m_syscalls; }

 private:
  static constexpr std::size_t kChunk = 256U << 10;
  const std::vector<std::uint8_t>& chunk(std::uint64_t index);
  /// Reads [addr, addr+size) directly, page by page past unreadable holes.
  void readDirect(std::uint64_t addr, std::uint8_t* out, std::size_t size);

  pid_t m_pid;
  std::size_t m_maxChunks;
  std::unordered_map<std::uint64_t, std::vector<std::uint8_t>> m_chunks;
  std::deque<std::uint64_t> m_order;  ///< FIFO eviction
  bool m_anyReadable = false;
  std::uint64_t m_syscalls = 0;
};

}  // namespace memprof::leakscan
