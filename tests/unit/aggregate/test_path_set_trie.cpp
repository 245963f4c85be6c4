// SPDX-License-Identifier: MIT
/// @brief PathSetTrie: interning by extension and per-item sums, against a brute-force count.
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <vector>

#include "memprof/aggregate/path_set_trie.h"

using memprof::aggregate::PathSetTrie;

BOOST_AUTO_TEST_SUITE(path_set_trie)

BOOST_AUTO_TEST_CASE(extend_nothingNew_returnsTheParent) {
  PathSetTrie trie;
  const std::vector<std::uint32_t> ab{1, 2, 1};
  const std::uint32_t set = trie.extend(PathSetTrie::kEmpty, ab.data(), ab.size());
  BOOST_TEST(set != PathSetTrie::kEmpty);
  BOOST_TEST(trie.parentOf(set) == PathSetTrie::kEmpty);
  const std::vector<std::uint32_t> again{2, 1};
  BOOST_TEST(trie.extend(set, again.data(), again.size()) == set);  // recursion adds nothing
  BOOST_TEST(trie.extend(set, nullptr, 0) == set);
  BOOST_TEST(trie.extend(PathSetTrie::kEmpty, nullptr, 0) == PathSetTrie::kEmpty);
  BOOST_TEST(trie.size() == 2U);
}

BOOST_AUTO_TEST_CASE(sumPerItem_repeatedItems_countedOncePerSet) {
  PathSetTrie trie;
  const std::vector<std::uint32_t> a{5};
  const std::vector<std::uint32_t> ab{5, 7, 7};
  const std::uint32_t sa = trie.extend(PathSetTrie::kEmpty, a.data(), a.size());
  const std::uint32_t sab = trie.extend(sa, ab.data(), ab.size());
  std::vector<std::uint64_t> perSet(trie.size(), 0);
  perSet[sa] += 10;
  perSet[sab] += 1;
  std::map<std::uint32_t, std::uint64_t> sums;
  trie.sumPerItem(perSet, [&](std::uint32_t item, std::uint64_t sum) { sums[item] += sum; });
  BOOST_TEST(sums.size() == 2U);
  BOOST_TEST(sums[5] == 11U);
  BOOST_TEST(sums[7] == 1U);
}

BOOST_AUTO_TEST_CASE(sumPerItem_randomTree_matchesDistinctItemsPerPath) {
  // A random call tree: each node adds a few items; its path set is the union up to the root.
  std::mt19937 rng(7);
  constexpr std::size_t kNodes = 3000;
  std::vector<std::uint32_t> parent(kNodes, 0);
  std::vector<std::vector<std::uint32_t>> items(kNodes);
  for (std::size_t n = 1; n < kNodes; ++n) {
    parent[n] = static_cast<std::uint32_t>(rng() % n);
    const std::size_t count = rng() % 4;
    for (std::size_t i = 0; i < count; ++i) items[n].push_back(rng() % 40);
  }
  PathSetTrie trie;
  std::vector<std::uint32_t> setOf(kNodes, PathSetTrie::kEmpty);
  // Visit in a scrambled order that still has parents first, switching paths often (the
  // materialised stamps must follow).
  for (std::size_t n = 1; n < kNodes; ++n) {
    setOf[n] = trie.extend(setOf[parent[n]], items[n].data(), items[n].size());
  }
  std::vector<std::uint64_t> weight(kNodes);
  std::vector<std::uint64_t> perSet(trie.size(), 0);
  std::map<std::uint32_t, std::uint64_t> expected;
  for (std::size_t n = 1; n < kNodes; ++n) {
    weight[n] = rng() % 100;
    perSet[setOf[n]] += weight[n];
    std::set<std::uint32_t> distinct;
    for (std::size_t m = n; m != 0; m = parent[m])
      distinct.insert(items[m].begin(), items[m].end());
    for (const std::uint32_t item : distinct) expected[item] += weight[n];
  }
  std::map<std::uint32_t, std::uint64_t> got;
  trie.sumPerItem(perSet, [&](std::uint32_t item, std::uint64_t sum) { got[item] += sum; });
  for (auto it = got.begin(); it != got.end();) it = it->second == 0 ? got.erase(it) : ++it;
  for (auto it = expected.begin(); it != expected.end();)
    it = it->second == 0 ? expected.erase(it) : ++it;
  BOOST_TEST(got == expected);
  BOOST_TEST(trie.size() < kNodes);  // nodes that add nothing new share their parent's set
}

BOOST_AUTO_TEST_SUITE_END()
