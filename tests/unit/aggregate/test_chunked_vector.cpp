// SPDX-License-Identifier: MIT
/// @brief ChunkedVector: grows by chunks, keeps references valid, value-initialises, iterates.
#include <boost/test/unit_test.hpp>
#include <cstdint>

#include "memprof/aggregate/chunked_vector.h"

using memprof::aggregate::ChunkedVector;

BOOST_AUTO_TEST_SUITE(chunked_vector)

BOOST_AUTO_TEST_CASE(resize_growsAcrossChunks_valueInitialised_referencesStable) {
  ChunkedVector<std::uint64_t, 4> v;  // chunks of 16 elements
  BOOST_TEST(v.empty());
  v.resize(3);
  v[2] = 42;
  std::uint64_t& kept = v[2];
  v.resize(1000);  // 63 more chunks; nothing moves
  BOOST_TEST(v.size() == 1000U);
  BOOST_TEST(&kept == &v[2]);
  BOOST_TEST(kept == 42U);
  BOOST_TEST(v[999] == 0U);
  v.resize(10);  // never shrinks
  BOOST_TEST(v.size() == 1000U);
}

BOOST_AUTO_TEST_CASE(iteration_visitsEveryElementInOrder) {
  ChunkedVector<int, 3> v;
  v.resize(20);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<int>(i);
  int expected = 0;
  for (const int x : v) BOOST_TEST(x == expected++);
  BOOST_TEST(expected == 20);
  for (int& x : v) x *= 2;
  const ChunkedVector<int, 3>& c = v;
  int sum = 0;
  for (const int x : c) sum += x;
  BOOST_TEST(sum == 2 * (19 * 20 / 2));
}

BOOST_AUTO_TEST_SUITE_END()
