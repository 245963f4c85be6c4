// SPDX-License-Identifier: MIT
/// @brief Prefix-hash stack interning with binary search over the depth.
#include "stack_trie.h"

#include <atomic>
#include <cstring>

#include "internal_memory.h"
#include "stack_capture.h"

namespace memprof::preload {

namespace {

constinit std::atomic<std::uint32_t> s_nextNodeId{1};

/// One step of the prefix hash: h' = (h ^ ip) * K + depth. The chain is serial (each prefix
/// extends the previous one), so its latency is paid per frame on every allocation: one
/// multiply (3 cycles) instead of murmur's two multiplies and three shift-xors (~12) took the
/// interning from 10% of sqlite3's profiled run to a few percent. Each step is a bijection of
/// h, so two different stacks of the same depth never get the same hash; the multiply mixes
/// upwards only, so slots are taken from the hash's high bits (slotOf).
inline std::uint64_t step(std::uint64_t h, std::uintptr_t ip, std::size_t depth) noexcept {
  return (h ^ ip) * 0x9E3779B97F4A7C15ULL + depth;
}

constexpr std::size_t kInitialCapacity = 1U << 14;
/// 8M slots (128 MiB): beyond this the table is cleared instead of grown, bounding the memory a
/// program with endless distinct stacks (a compiler) can make us use.
constexpr std::size_t kMaxCapacity = 1U << 23;

}  // namespace

std::uint32_t allocateNodeId() noexcept {
  return s_nextNodeId.fetch_add(1, std::memory_order_relaxed);
}
void resetNodeIds() noexcept { s_nextNodeId.store(1, std::memory_order_relaxed); }

bool StackTrie::init() noexcept {
  m_capacity = kInitialCapacity;
  m_shift = 64 - __builtin_ctzll(kInitialCapacity);
  m_count = 0;
  m_slots = static_cast<Slot*>(internalMap(m_capacity * sizeof(Slot)));
  return m_slots != nullptr;
}

void StackTrie::clear() noexcept {
  if (m_slots != nullptr) std::memset(m_slots, 0, m_capacity * sizeof(Slot));
  m_count = 0;
}

void StackTrie::release() noexcept {
  internalUnmap(m_slots, m_capacity * sizeof(Slot));
  m_slots = nullptr;
}

std::uint32_t StackTrie::find(std::uint64_t hash) const noexcept {
  for (std::size_t i = slotOf(hash);; i = (i + 1) & (m_capacity - 1)) {
    if (m_slots[i].hash == hash) return m_slots[i].id;
    if (m_slots[i].hash == 0) return 0;
  }
}

bool StackTrie::grow() noexcept {
  const std::size_t newCapacity = m_capacity * 2;
  auto* fresh = static_cast<Slot*>(internalMap(newCapacity * sizeof(Slot)));
  if (fresh == nullptr) return false;
  for (std::size_t i = 0; i < m_capacity; ++i) {
    if (m_slots[i].hash == 0) continue;
    std::size_t j = static_cast<std::size_t>(m_slots[i].hash >> (m_shift - 1));
    while (fresh[j].hash != 0) j = (j + 1) & (newCapacity - 1);
    fresh[j] = m_slots[i];
  }
  internalUnmap(m_slots, m_capacity * sizeof(Slot));
  m_slots = fresh;
  m_capacity = newCapacity;
  m_shift -= 1;
  return true;
}

bool StackTrie::insert(std::uint64_t hash, std::uint32_t id) noexcept {
  // Grow at half load while small; at the cap, fill to 80% before clearing (clearing costs
  // every stack being written again, worse than a few longer probes).
  if ((m_count + 1) * 2 > m_capacity && m_capacity < kMaxCapacity && !grow()) return false;
  if ((m_count + 1) * 5 > m_capacity * 4) return false;
  std::size_t i = slotOf(hash);
  while (m_slots[i].hash != 0) i = (i + 1) & (m_capacity - 1);
  m_slots[i] = Slot{hash, id, 0};
  ++m_count;
  return true;
}

std::uint32_t StackTrie::intern(const std::uintptr_t* ips, std::size_t depth, NewNodeSink sink,
                                void* context) noexcept {
  if (depth == 0 || m_slots == nullptr) return 0;
  if (depth > kMaxFrames) depth = kMaxFrames;
  // prefix[j] = hash of the j+1 outermost frames (root first); never 0 (0 marks empty slots).
  std::uint64_t prefix[kMaxFrames];
  std::uint64_t h = 0x9E3779B97F4A7C15ULL;
  for (std::size_t j = 0; j < depth; ++j) {
    h = step(h, ips[depth - 1 - j], j);
    prefix[j] = h == 0 ? 1 : h;
  }
  if (const std::uint32_t known = find(prefix[depth - 1]); known != 0) return known;

  // Deepest known prefix: known(lo) (or lo = -1, the root), unknown(hi).
  std::ptrdiff_t lo = -1;
  std::ptrdiff_t hi = static_cast<std::ptrdiff_t>(depth) - 1;
  std::uint32_t node = 0;
  while (hi - lo > 1) {
    const std::ptrdiff_t mid = lo + (hi - lo) / 2;
    if (const std::uint32_t id = find(prefix[mid]); id != 0) {
      lo = mid;
      node = id;
    } else {
      hi = mid;
    }
  }
  for (std::size_t j = static_cast<std::size_t>(lo + 1); j < depth; ++j) {
    const std::uint32_t id = allocateNodeId();
    if (!insert(prefix[j], id)) {
      // Table full at its cap: start over. Every stack is written again from its root, so the
      // log stays self-describing; only memory is saved.
      clear();
      return intern(ips, depth, sink, context);
    }
    const std::uintptr_t ip = ips[depth - 1 - j];
    sink(context, id, node, ip);
    node = id;
  }
  return node;
}

}  // namespace memprof::preload
