// SPDX-License-Identifier: MIT
/// @brief Unit tests of the per-site replay (stacked chart) and of site ranking.
#include <boost/test/unit_test.hpp>

#include "memprof/plot/site_selection.h"
#include "memprof/plot/site_timeline.h"

using memprof::reader::HeapEvent;
using memprof::reader::HeapEventKind;

namespace {

HeapEvent alloc(std::uint64_t tUs, std::uint64_t ptr, std::uint64_t size, std::uint32_t stack) {
  HeapEvent e;
  e.timeUs = tUs;
  e.ptr = ptr;
  e.size = size;
  e.stack = stack;
  e.kind = HeapEventKind::Alloc;
  return e;
}

HeapEvent release(std::uint64_t tUs, std::uint64_t ptr) {
  HeapEvent e;
  e.timeUs = tUs;
  e.ptr = ptr;
  e.kind = HeapEventKind::Free;
  return e;
}

std::uint64_t rowAt(const memprof::plot::StackedSites& s, std::size_t row, double t) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < s.t.size(); ++i) {
    if (s.t[i] <= t) v = s.bytes[row][i];
  }
  return v;
}

}  // namespace

BOOST_AUTO_TEST_CASE(sites_follow_their_blocks) {
  // Leaf 1 and 2 belong to site 0, leaf 3 to site 1, leaf 4 is "other".
  memprof::plot::SiteTimeline tl({-1, 0, 0, 1, -1}, 2, 10'000'000, 100);
  tl.onHeapEvent(alloc(1'000'000, 0x1000, 64, 1));
  tl.onHeapEvent(alloc(1'500'000, 0x2000, 16, 2));
  tl.onHeapEvent(alloc(2'000'000, 0x3000, 32, 3));
  tl.onHeapEvent(alloc(2'500'000, 0x4000, 8, 4));
  tl.onHeapEvent(release(3'000'000, 0x1000));
  tl.onHeapEvent(release(3'000'000, 0x9999));  // never allocated: ignored
  tl.onHeapEvent(release(4'000'000, 0x3000));
  const auto s = tl.result({"a", "b"});
  BOOST_TEST(s.labels.size() == 3u);
  BOOST_TEST(s.labels.back() == "other");
  BOOST_TEST(rowAt(s, 0, 2.6) == 80u);
  BOOST_TEST(rowAt(s, 1, 2.6) == 32u);
  BOOST_TEST(rowAt(s, 2, 2.6) == 8u);
  BOOST_TEST(rowAt(s, 0, 3.5) == 16u);
  BOOST_TEST(rowAt(s, 1, 4.5) == 0u);
  BOOST_TEST(s.t.back() == 10.0);  // runs to the end of the process
}

BOOST_AUTO_TEST_CASE(column_keeps_the_moment_of_its_peak) {
  // Everything inside one column: the snapshot at the column's maximum must be kept.
  memprof::plot::SiteTimeline tl({-1, 0}, 1, 1'000'000, 1);
  tl.onHeapEvent(alloc(100, 0x1000, 1000, 1));
  tl.onHeapEvent(alloc(200, 0x2000, 500, 0));
  tl.onHeapEvent(release(300, 0x1000));
  tl.onHeapEvent(release(400, 0x2000));
  const auto s = tl.result({"a"});
  std::uint64_t top = 0;
  for (std::size_t i = 0; i < s.t.size(); ++i) top = std::max(top, s.bytes[0][i] + s.bytes[1][i]);
  BOOST_TEST(top == 1500u);
}

BOOST_AUTO_TEST_CASE(ranking_by_peak_then_bytes) {
  using memprof::plot::Site;
  const std::vector<Site> keys{
      {"f", "a.c", 1, 0, 100}, {"g", "a.c", 2, 50, 60}, {"h", "b.c", 3, 50, 70}, {"i", "b.c", 4, 0, 0}};
  const auto order = memprof::plot::rankSites(keys, 3);
  BOOST_TEST(order.size() == 3u);
  BOOST_TEST(order[0] == 2u);
  BOOST_TEST(order[1] == 1u);
  BOOST_TEST(order[2] == 0u);
  BOOST_TEST(keys[2].label() == "h (b.c:3)");
}
