// SPDX-License-Identifier: MIT
/// @brief Path sets: interning by extension, membership by stamps.
#include "memprof/aggregate/path_set_trie.h"

#include <algorithm>

namespace memprof::aggregate {

PathSetTrie::PathSetTrie() { m_sets.push_back(Set{kEmpty, 0, 0}); }

void PathSetTrie::materialize(std::uint32_t set) {
  if (++m_token == 0) {  // wrapped: old stamps could collide with new tokens
    std::fill(m_stamp.begin(), m_stamp.end(), 0);
    m_token = 1;
  }
  for (std::uint32_t s = set; s != kEmpty; s = m_sets[s].parent) {
    for (std::uint32_t i = m_sets[s].begin; i < m_sets[s].end; ++i) m_stamp[m_items[i]] = m_token;
  }
  m_materialized = set;
}

std::uint32_t PathSetTrie::extend(std::uint32_t parent, const std::uint32_t* items,
                                  std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    if (items[i] >= m_stamp.size())
      m_stamp.resize(std::max<std::size_t>(items[i] + 1, 2 * m_stamp.size()), 0);
  }
  // Extending the set just built (walking down one path) needs no new stamps.
  if (m_materialized != parent) materialize(parent);
  const auto begin = static_cast<std::uint32_t>(m_items.size());
  for (std::size_t i = 0; i < count; ++i) {
    if (m_stamp[items[i]] == m_token) continue;
    m_stamp[items[i]] = m_token;
    m_items.push_back(items[i]);
  }
  const auto end = static_cast<std::uint32_t>(m_items.size());
  if (begin == end) return parent;
  m_sets.push_back(Set{parent, begin, end});
  m_materialized = static_cast<std::uint32_t>(m_sets.size() - 1);
  return m_materialized;
}

}  // namespace memprof::aggregate
