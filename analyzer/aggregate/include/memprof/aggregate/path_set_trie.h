// SPDX-License-Identifier: MIT
/// @brief Interns the sets of distinct items (source lines, functions) met along call paths.
///
/// Why: "total" figures count a stack once at every distinct line and function it holds.
/// Walking every stack to its root and de-duplicating its lines costs stacks × depth; but
/// stacks share prefixes, and the set of items on a path changes at few of its nodes (deep
/// recursion adds nothing new after its first round). So each path maps to a set id, a set is
/// its parent set plus the items it adds, stacks add their figures to their set, and one
/// backward sweep over the sets (children were created after their parents) hands every item
/// the sum of the sets holding it.
/// Memory: one entry per distinct non-empty extension plus its new items.
/// Thread-safety: none (one owner).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace memprof::aggregate {

class PathSetTrie {
 public:
  static constexpr std::uint32_t kEmpty = 0;  ///< the set of the root: no items

  PathSetTrie();

  /// The set of @p parent's items plus @p items (which may repeat or already be in @p parent);
  /// @p parent itself when nothing is new. Item ids are small dense integers.
  std::uint32_t extend(std::uint32_t parent, const std::uint32_t* items, std::size_t count);

  [[nodiscard]] std::size_t size() const { return m_sets.size(); }
  [[nodiscard]] std::uint32_t parentOf(std::uint32_t set) const { return m_sets[set].parent; }

  /// Calls @p visit(item, sum) for every item of every set, where sum is the total of
  /// @p perSet (indexed by set id, at least size() long) over all sets containing the item.
  /// Consumes @p perSet: afterwards each entry holds the sum over its set's descendants too.
  template <typename T, typename Visit>
  void sumPerItem(std::vector<T>& perSet, Visit&& visit) const {
    for (std::size_t set = m_sets.size(); set-- > 1;) {
      const Set& s = m_sets[set];
      for (std::uint32_t i = s.begin; i < s.end; ++i) visit(m_items[i], perSet[set]);
      perSet[s.parent] += perSet[set];
    }
  }

 private:
  struct Set {
    std::uint32_t parent;
    std::uint32_t begin;  ///< its own items: m_items[begin, end)
    std::uint32_t end;
  };

  /// Marks the items of @p set and its ancestors with a fresh stamp.
  void materialize(std::uint32_t set);

  std::vector<Set> m_sets;
  std::vector<std::uint32_t> m_items;
  std::vector<std::uint32_t> m_stamp;  ///< per item: == m_token when in the materialized set
  std::uint32_t m_token = 0;
  std::uint32_t m_materialized = ~0U;  ///< the set m_stamp describes
};

}  // namespace memprof::aggregate
