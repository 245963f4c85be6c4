// SPDX-License-Identifier: MIT
/// @brief Open-addressing trie edge table plus a whole-stack cache.
#include "stack_trie.h"

#include <atomic>
#include <cstring>

#include "internal_memory.h"

namespace memprof::preload {

namespace {
std::atomic<std::uint32_t> s_nextNodeId{1};

inline std::uint64_t mix(std::uint64_t h) noexcept {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}
constexpr std::size_t kInitialCapacity = 1U << 14;
}  // namespace

std::uint32_t allocateNodeId() noexcept {
  return s_nextNodeId.fetch_add(1, std::memory_order_relaxed);
}
void resetNodeIds() noexcept { s_nextNodeId.store(1, std::memory_order_relaxed); }

bool StackTrie::init() noexcept {
  m_capacity = kInitialCapacity;
  m_count = 0;
  m_edges = static_cast<Edge*>(internalMap(m_capacity * sizeof(Edge)));
  m_cache = static_cast<CacheEntry*>(internalMap(kCacheSize * sizeof(CacheEntry)));
  return m_edges != nullptr && m_cache != nullptr;
}

void StackTrie::clear() noexcept {
  if (m_edges != nullptr) std::memset(m_edges, 0, m_capacity * sizeof(Edge));
  if (m_cache != nullptr) std::memset(m_cache, 0, kCacheSize * sizeof(CacheEntry));
  m_count = 0;
}

void StackTrie::release() noexcept {
  internalUnmap(m_edges, m_capacity * sizeof(Edge));
  internalUnmap(m_cache, kCacheSize * sizeof(CacheEntry));
  m_edges = nullptr;
  m_cache = nullptr;
}

bool StackTrie::grow() noexcept {
  const std::size_t newCapacity = m_capacity * 2;
  auto* fresh = static_cast<Edge*>(internalMap(newCapacity * sizeof(Edge)));
  if (fresh == nullptr) return false;
  for (std::size_t i = 0; i < m_capacity; ++i) {
    const Edge& e = m_edges[i];
    if (e.id == 0) continue;
    std::size_t slot = mix(e.ip ^ (std::uint64_t{e.parent} << 40)) & (newCapacity - 1);
    while (fresh[slot].id != 0) slot = (slot + 1) & (newCapacity - 1);
    fresh[slot] = e;
  }
  internalUnmap(m_edges, m_capacity * sizeof(Edge));
  m_edges = fresh;
  m_capacity = newCapacity;
  return true;
}

std::uint32_t StackTrie::findOrInsert(std::uint32_t parent, std::uintptr_t ip,
                                      bool* inserted) noexcept {
  *inserted = false;
  std::size_t slot = mix(ip ^ (std::uint64_t{parent} << 40)) & (m_capacity - 1);
  for (;;) {
    Edge& e = m_edges[slot];
    if (e.id == 0) break;
    if (e.ip == ip && e.parent == parent) return e.id;
    slot = (slot + 1) & (m_capacity - 1);
  }
  if ((m_count + 1) * 2 > m_capacity) {
    if (!grow()) return 0;
    return findOrInsert(parent, ip, inserted);
  }
  Edge& e = m_edges[slot];
  e.ip = ip;
  e.parent = parent;
  e.id = allocateNodeId();
  ++m_count;
  *inserted = true;
  return e.id;
}

std::uint32_t StackTrie::intern(const std::uintptr_t* ips, std::size_t depth, NewNodeSink sink,
                                void* context) noexcept {
  if (depth == 0 || m_edges == nullptr) return 0;
  std::uint64_t hash = depth;
  for (std::size_t i = 0; i < depth; ++i) hash = mix(hash ^ ips[i]) + i;
  CacheEntry& cached = m_cache[hash & (kCacheSize - 1)];
  if (cached.hash == hash && cached.depth == depth && cached.node != 0) return cached.node;

  std::uint32_t node = 0;  // walk from the outermost frame (root side) inwards
  for (std::size_t i = depth; i-- > 0;) {
    bool inserted = false;
    const std::uint32_t child = findOrInsert(node, ips[i], &inserted);
    if (child == 0) return node;
    if (inserted) sink(context, child, node, ips[i]);
    node = child;
  }
  cached = CacheEntry{hash, node, static_cast<std::uint32_t>(depth)};
  return node;
}

}  // namespace memprof::preload
