// SPDX-License-Identifier: MIT
/// @brief FlatHashMap: insert-once semantics, growth, agreement with std::unordered_map.
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <random>
#include <unordered_map>

#include "memprof/aggregate/flat_hash_map.h"

using memprof::aggregate::FlatHashMap;
using memprof::aggregate::mixBits;

namespace {
struct Hash {
  std::size_t operator()(std::uint64_t k) const { return mixBits(k); }
};
/// Every key in one home slot: probing must still find each.
struct Collide {
  std::size_t operator()(std::uint64_t) const { return 3; }
};
}  // namespace

BOOST_AUTO_TEST_SUITE(flat_hash_map)

BOOST_AUTO_TEST_CASE(tryEmplace_existingKey_keepsFirstValue) {
  FlatHashMap<std::uint64_t, int, Hash> map;
  BOOST_TEST(map.find(42) == nullptr);
  BOOST_TEST(map.tryEmplace(42, 1).second);
  const auto [value, inserted] = map.tryEmplace(42, 2);
  BOOST_TEST(!inserted);
  BOOST_TEST(*value == 1);
  BOOST_TEST(*map.find(42) == 1);
  BOOST_TEST(map.size() == 1U);
  BOOST_TEST(map.tryEmplace(0, 5).second);  // zero is an ordinary key
  BOOST_TEST(*map.find(0) == 5);
}

BOOST_AUTO_TEST_CASE(tryEmplace_collidingKeys_allFoundAcrossGrowth) {
  FlatHashMap<std::uint64_t, std::uint64_t, Collide> map(2);
  for (std::uint64_t k = 0; k < 200; ++k) map.tryEmplace(k * 7, k);
  BOOST_TEST(map.size() == 200U);
  for (std::uint64_t k = 0; k < 200; ++k) {
    const std::uint64_t* v = map.find(k * 7);
    BOOST_REQUIRE(v != nullptr);
    BOOST_TEST(*v == k);
  }
  BOOST_TEST(map.find(1) == nullptr);
}

BOOST_AUTO_TEST_CASE(tryEmplace_randomKeys_matchUnorderedMap) {
  std::mt19937_64 rng(11);
  FlatHashMap<std::uint64_t, std::uint64_t, Hash> map;
  std::unordered_map<std::uint64_t, std::uint64_t> expected;
  for (int i = 0; i < 100000; ++i) {
    const std::uint64_t key = rng() % 50000;
    const std::uint64_t value = rng();
    expected.try_emplace(key, value);
    map.tryEmplace(key, value);
  }
  BOOST_TEST(map.size() == expected.size());
  for (const auto& [key, value] : expected) {
    const std::uint64_t* got = map.find(key);
    BOOST_REQUIRE(got != nullptr);
    BOOST_TEST(*got == value);
  }
}

BOOST_AUTO_TEST_SUITE_END()
