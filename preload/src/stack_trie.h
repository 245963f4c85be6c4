// SPDX-License-Identifier: MIT
/// @brief Per-thread interning of call stacks into trie nodes (parent, ip) -> node id.
///
/// A stack is written to the log once, as the trie edges that are new to this thread; events
/// then name only their innermost node. A direct-mapped cache keyed by a hash of the whole
/// stack skips the trie walk for stacks seen recently (the common case in loops).
/// Thread-safety: owned by one thread. Signal-safety: not reentrant; callers hold the guard.
#pragma once

#include <cstddef>
#include <cstdint>

namespace memprof::preload {

class StackTrie {
 public:
  /// Called for every node that is new: the caller writes a StackNode record for it.
  using NewNodeSink = void (*)(void* context, std::uint32_t id, std::uint32_t parent,
                               std::uintptr_t ip);

  bool init() noexcept;
  void clear() noexcept;
  void release() noexcept;

  /// Interns @p ips (innermost first, @p depth entries) and returns the innermost node id
  /// (0 for an empty stack or when out of memory).
  std::uint32_t intern(const std::uintptr_t* ips, std::size_t depth, NewNodeSink sink,
                       void* context) noexcept;

 private:
  struct Edge {
    std::uintptr_t ip;
    std::uint32_t parent;
    std::uint32_t id;  // 0 = empty slot
  };
  struct CacheEntry {
    std::uint64_t hash;
    std::uint32_t node;
    std::uint32_t depth;
  };
  static constexpr std::size_t kCacheSize = 4096;

  std::uint32_t findOrInsert(std::uint32_t parent, std::uintptr_t ip, bool* inserted) noexcept;
  bool grow() noexcept;

  Edge* m_edges = nullptr;
  std::size_t m_capacity = 0;  // power of two
  std::size_t m_count = 0;
  CacheEntry* m_cache = nullptr;
};

/// Global allocator of node ids: dense, shared by all threads so ids are unique in a log.
std::uint32_t allocateNodeId() noexcept;
void resetNodeIds() noexcept;

}  // namespace memprof::preload
