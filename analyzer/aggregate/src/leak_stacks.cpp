// SPDX-License-Identifier: MIT
/// @brief Leak grouping by hashed address sequences, then one sort for the documented order.
#include "leak_stacks.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "memprof/aggregate/flat_hash_map.h"

namespace memprof::aggregate {

namespace {

const char* kindName(int kind) {
  switch (kind) {
    case 0:
      return "definite";
    case 1:
      return "indirect";
    case 2:
      return "possible";
    case 3:
      return "reachable";
    default:
      return "definite";
  }
}

/// Deeper than any real stack: a parent cycle (corrupt input) must not loop forever.
constexpr std::size_t kMaxDepth = 100000;

struct Draft {
  std::vector<std::uint64_t> ips;  ///< innermost first: the grouping key, with the kind
  std::uint32_t sameHash = ~0U;    ///< next draft with the same key hash
  LeakStack stack;
};

struct Identity {
  std::size_t operator()(std::uint64_t h) const noexcept { return h; }
};

}  // namespace

std::vector<LeakStack> groupLeakStacks(const HeapReplay& replay) {
  // Hashed, not a std::map keyed by the address vectors: tens of thousands of leak stacks
  // compared element by element down a tree cost more than the rest of the grouping.
  const auto& nodes = replay.nodes();
  std::vector<Draft> drafts;
  FlatHashMap<std::uint64_t, std::uint32_t, Identity> byHash;  // -> first draft with that hash
  std::vector<std::uint64_t> ips;
  for (const auto& [key, group] : replay.leakGroups()) {
    const auto [leaf, kind] = key;
    ips.clear();
    std::uint64_t hash = mixBits(static_cast<std::uint64_t>(kind) + 0x9e3779b97f4a7c15ULL);
    for (std::uint32_t id = leaf; id != 0 && id < nodes.size(); id = nodes[id].parent) {
      ips.push_back(nodes[id].ip);
      hash = mixBits(hash ^ nodes[id].ip);
      if (ips.size() > kMaxDepth) break;
    }
    const auto fresh = static_cast<std::uint32_t>(drafts.size());
    auto [first, inserted] = byHash.tryEmplace(hash, fresh);
    std::uint32_t found = ~0U;
    if (!inserted) {
      for (std::uint32_t d = *first; d != ~0U; d = drafts[d].sameHash) {
        if (drafts[d].stack.kind == kind && drafts[d].ips == ips) {
          found = d;
          break;
        }
      }
    }
    if (found == ~0U) {
      Draft draft;
      draft.ips = ips;
      draft.stack.leaf = leaf;
      draft.stack.kind = kind;
      if (!inserted) {  // chain it behind the first draft of this hash
        draft.sameHash = drafts[*first].sameHash;
        drafts[*first].sameHash = fresh;
      }
      drafts.push_back(std::move(draft));
      found = fresh;
    }
    drafts[found].stack.bytes += group.bytes;
    drafts[found].stack.allocations += group.count;
  }

  // Ordered by (addresses, kind), then largest first: ties keep that order.
  std::vector<std::uint32_t> order(drafts.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&drafts](std::uint32_t a, std::uint32_t b) {
    return std::tie(drafts[a].ips, drafts[a].stack.kind) <
           std::tie(drafts[b].ips, drafts[b].stack.kind);
  });
  std::vector<LeakStack> stacks;
  stacks.reserve(drafts.size());
  for (const std::uint32_t i : order) stacks.push_back(drafts[i].stack);
  std::stable_sort(stacks.begin(), stacks.end(),
                   [](const auto& a, const auto& b) { return a.bytes > b.bytes; });
  return stacks;
}

std::vector<model::Leak> leaksOf(const std::vector<LeakStack>& stacks, FrameTable& table,
                                 std::size_t withFrames) {
  const auto pool = table.framePool();
  std::vector<model::Leak> leaks(stacks.size());
  std::vector<std::uint32_t> frames;
  for (std::size_t i = 0; i < stacks.size(); ++i) {
    const LeakStack& s = stacks[i];
    model::Leak& leak = leaks[i];
    leak.bytes = s.bytes;
    leak.allocations = s.allocations;
    leak.kind = kindName(s.kind);
    leak.kindScanned = s.kind >= 0;
    if (i < withFrames) {
      table.stackFrames(s.leaf, false, frames);
      leak.stack = model::FrameStack(pool, frames);
    }
  }
  return leaks;
}

}  // namespace memprof::aggregate
