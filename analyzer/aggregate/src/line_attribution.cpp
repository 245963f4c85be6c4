// SPDX-License-Identifier: MIT
/// @brief Self and total figures per line and function via memoised path sets.
#include "line_attribution.h"

namespace memprof::aggregate {

namespace {

/// Lines and functions share the PathSetTrie's item space: even ids are lines, odd functions.
std::uint32_t lineItem(std::uint32_t line) { return 2 * line; }
std::uint32_t functionItem(std::uint32_t function) { return 2 * function + 1; }

/// Deeper than any real stack: a parent cycle (corrupt input) must not loop forever.
constexpr std::size_t kMaxDepth = 100000;

const model::Counters kNone{};

/// How far ahead of a walk to prefetch stack nodes (24 bytes each: a few cache lines).
constexpr std::uint32_t kAhead = 12;

}  // namespace

void LineAttribution::noteNewFrames() {
  for (std::size_t f = m_functionOfFrame.size(); f < m_table.frameCount(); ++f) {
    m_functionOfFrame.push_back(
        m_functions.functionOf(m_table.frame(static_cast<std::uint32_t>(f))));
  }
  for (auto address = static_cast<std::uint32_t>(m_itemBegin.size() - 1);
       address < m_table.addressCount(); ++address) {
    const auto [begin, end] = m_table.addressFrames(address);
    for (const std::uint32_t* f = begin; f != end; ++f) {
      const std::uint32_t line = m_table.lineOf(*f);
      if (line != kNoLine) m_addressItems.push_back(lineItem(line));
      m_addressItems.push_back(functionItem(m_functionOfFrame[*f]));
    }
    m_itemBegin.push_back(static_cast<std::uint32_t>(m_addressItems.size()));
  }
}

std::uint32_t LineAttribution::setOf(std::uint32_t node) {
  const auto& nodes = m_replay.nodes();
  if (m_nodeSet.size() < nodes.size()) m_nodeSet.resize(nodes.size(), kUnknown);
  // Up to the first node whose set is known, resolving addresses leaf first (as a full walk
  // would: the resolution order fixes the frame ids).
  m_path.clear();
  std::uint32_t id = node;
  while (id != 0 && id < nodes.size() && m_nodeSet[id] == kUnknown) {
    // A new path's nodes were numbered root to leaf, so its callers are usually the ids just
    // below: load them ahead (the walk otherwise waits for each node in turn).
    if (id > kAhead) {
      __builtin_prefetch(&nodes[id - kAhead]);
      __builtin_prefetch(&m_nodeSet[id - kAhead]);
    }
    m_path.push_back(Step{id, m_table.addressOf(id, false)});
    id = nodes[id].parent;
    if (m_path.size() > kMaxDepth) {
      id = 0;
      break;
    }
  }
  noteNewFrames();
  std::uint32_t set = (id != 0 && id < nodes.size()) ? m_nodeSet[id] : PathSetTrie::kEmpty;
  for (std::size_t i = m_path.size(); i-- > 0;) {
    set = step(set, m_path[i].address);
    m_nodeSet[m_path[i].node] = set;
  }
  return set;
}

std::uint32_t LineAttribution::step(std::uint32_t set, std::uint32_t address) {
  // A small direct-mapped cache of transitions, not a map of all of them: recursion repeats a
  // few (set, address) pairs millions of times, but a compiler's distinct pairs number in the
  // hundreds of thousands, and checking a few items against the set's stamps costs less than a
  // cache miss in a table that large.
  const std::uint64_t key = (std::uint64_t{set} << 32) | address;
  Transition& cached = m_recent[mixBits(key) & (m_recent.size() - 1)];
  if (cached.key == key) return cached.next;
  const std::uint32_t begin = m_itemBegin[address];
  cached.key = key;
  cached.next = m_sets.extend(set, m_addressItems.data() + begin, m_itemBegin[address + 1] - begin);
  return cached.next;
}

void LineAttribution::add(std::uint32_t leaf, bool exactLeaf, const model::Counters& figures) {
  const auto& nodes = m_replay.nodes();
  if (leaf == 0 || leaf >= nodes.size()) return;  // no frames: nothing to attribute
  std::uint32_t address = 0;
  std::uint32_t set = 0;
  if (exactLeaf) {
    // The sampled leaf is its own address; its callers are return addresses like any other.
    address = m_table.addressOf(leaf, true);
    const std::uint32_t callers = setOf(nodes[leaf].parent);
    set = step(callers, address);
  } else {
    set = setOf(leaf);
    address = m_table.addressOf(leaf, false);
  }
  if (m_perSet.size() < m_sets.size()) m_perSet.resize(m_sets.size());
  m_perSet[set] += figures;

  const std::uint32_t innermost = *m_table.addressFrames(address).first;
  m_functions.addSelf(m_functionOfFrame[innermost], figures);
  const std::uint32_t line = m_table.lineOf(innermost);
  if (line != kNoLine) {
    if (m_self.size() <= line) m_self.resize(m_table.lineCount());
    m_self[line] += figures;
  }
}

void LineAttribution::finish() {
  m_perSet.resize(m_sets.size());
  m_self.resize(m_table.lineCount());
  m_total.resize(m_table.lineCount());
  m_sets.sumPerItem(m_perSet, [this](std::uint32_t item, const model::Counters& sum) {
    if (item % 2 == 0)
      m_total[item / 2] += sum;
    else
      m_functions.addTotal(item / 2, sum);
  });
}

const model::Counters& LineAttribution::self(std::uint32_t line) const {
  return line < m_self.size() ? m_self[line] : kNone;
}

const model::Counters& LineAttribution::total(std::uint32_t line) const {
  return line < m_total.size() ? m_total[line] : kNone;
}

}  // namespace memprof::aggregate
