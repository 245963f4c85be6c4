// SPDX-License-Identifier: MIT
/// @brief Per-thread interning of call stacks into trie nodes written to the log once.
///
/// A stack is written as the trie nodes (id, parent, ip) that are new to this thread; events
/// then name only their innermost node. Nodes are found by a 64-bit rolling hash of their
/// root-side prefix, not by walking parent to child: prefixes are monotone (if a prefix is
/// known, so is every shorter one), so a binary search over the stack depth finds the deepest
/// known prefix in log2(depth) probes of the table instead of one probe per frame. A stack seen
/// before costs a single probe. (A 64-bit hash collision would attach one stack to a wrong
/// prefix; at millions of nodes the odds are about 1e-7 per run.)
/// Memory is bounded: when the table is full it is cleared and nodes are written again.
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
  struct Slot {
    std::uint64_t hash;  // rolling hash of the prefix (0 = empty slot)
    std::uint32_t id;
    std::uint32_t unused;
  };

  std::uint32_t find(std::uint64_t hash) const noexcept;
  /// Home slot of a hash: its top bits (the hash mixes upwards, see stack_trie.cpp).
  std::size_t slotOf(std::uint64_t hash) const noexcept {
    return static_cast<std::size_t>(hash >> m_shift);
  }
  bool insert(std::uint64_t hash, std::uint32_t id) noexcept;
  bool grow() noexcept;

  Slot* m_slots = nullptr;
  std::size_t m_capacity = 0;  // power of two
  unsigned m_shift = 64;       // 64 - log2(m_capacity)
  std::size_t m_count = 0;
};

/// Global allocator of node ids: dense, shared by all threads so ids are unique in a log.
std::uint32_t allocateNodeId() noexcept;
void resetNodeIds() noexcept;

}  // namespace memprof::preload
