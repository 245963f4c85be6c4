// SPDX-License-Identifier: MIT
/// @brief SequenceMerger: per-thread streams merged back into sequence order, with numbers
/// missing, late, duplicated or far ahead, and with a window too small for the gap.
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <random>
#include <vector>

#include "sequence_merger.h"

using memprof::reader::EventSink;
using memprof::reader::HeapEvent;
using memprof::reader::HeapEventKind;
using memprof::reader::SequenceMerger;

namespace {

class Collect : public EventSink {
 public:
  void onHeapEvent(const HeapEvent& e) override { seqs.push_back(e.seq); }
  std::vector<std::uint64_t> seqs;
};

HeapEvent event(std::uint64_t seq, std::uint32_t stream) {
  HeapEvent e;
  e.seq = seq;
  e.stream = stream;
  e.ptr = 0x1000 + seq;
  return e;
}

/// Numbers 0..n-1 dealt to @p streams streams at random, then pushed as the reader would:
/// chunks of consecutive events of one stream, the streams' chunks in random order.
std::vector<HeapEvent> interleaved(std::mt19937_64& rng, std::uint64_t n, std::uint32_t streams) {
  std::vector<std::vector<HeapEvent>> byStream(streams);
  for (std::uint64_t s = 0; s < n; ++s) {
    const auto stream = static_cast<std::uint32_t>(rng() % streams);
    byStream[stream].push_back(event(s, stream + 1));
  }
  std::vector<std::size_t> at(streams, 0);
  std::vector<HeapEvent> order;
  while (order.size() < n) {
    const auto stream = static_cast<std::uint32_t>(rng() % streams);
    const std::size_t chunk = 1 + rng() % 300;
    for (std::size_t i = 0; i < chunk && at[stream] < byStream[stream].size(); ++i) {
      order.push_back(byStream[stream][at[stream]++]);
    }
  }
  return order;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(SequenceMergerTests)

BOOST_AUTO_TEST_CASE(interleaved_streams_come_out_in_sequence_order) {
  std::mt19937_64 rng(5);
  for (const std::uint32_t streams : {1U, 2U, 3U, 17U}) {
    Collect out;
    SequenceMerger merger(out);
    for (const HeapEvent& e : interleaved(rng, 20000, streams)) merger.push(e);
    merger.finish();
    BOOST_REQUIRE(out.seqs.size() == 20000U);
    for (std::uint64_t i = 0; i < 20000; ++i) BOOST_REQUIRE(out.seqs[i] == i);
    BOOST_TEST(merger.skippedNumbers() == 0U);
  }
}

BOOST_AUTO_TEST_CASE(missing_numbers_are_skipped_and_the_rest_delivered_in_order) {
  std::mt19937_64 rng(6);
  std::vector<HeapEvent> order = interleaved(rng, 5000, 3);
  // Numbers 10, 11 and 4000 never arrive (their threads died before writing them).
  std::erase_if(order,
                [](const HeapEvent& e) { return e.seq == 10 || e.seq == 11 || e.seq == 4000; });
  Collect out;
  SequenceMerger merger(out);
  for (const HeapEvent& e : order) merger.push(e);
  merger.finish();
  BOOST_TEST(out.seqs.size() == 4997U);
  BOOST_TEST(std::is_sorted(out.seqs.begin(), out.seqs.end()));
  BOOST_TEST(merger.skippedNumbers() == 3U);
}

BOOST_AUTO_TEST_CASE(a_gap_wider_than_the_window_skips_ahead_and_a_late_number_still_arrives) {
  Collect out;
  SequenceMerger merger(out, 16);
  merger.push(event(0, 1));
  // Number 1 is late; 2..100 arrive first. Beyond 16 numbers ahead the merger gives 1 up.
  for (std::uint64_t s = 2; s <= 100; ++s) merger.push(event(s, 2));
  merger.push(event(1, 1));  // delivered late, not lost
  merger.finish();
  BOOST_TEST(out.seqs.size() == 101U);
  BOOST_TEST(merger.skippedNumbers() == 1U);
  BOOST_TEST(out.seqs.back() == 1U);
  BOOST_TEST(std::is_sorted(out.seqs.begin(), out.seqs.end() - 1));
}

BOOST_AUTO_TEST_CASE(duplicates_and_far_jumps_are_delivered_without_hanging) {
  Collect out;
  SequenceMerger merger(out);
  merger.push(event(5, 1));
  merger.push(event(5, 2));                       // the same number twice (corrupt input)
  merger.push(event(std::uint64_t{1} << 60, 1));  // far ahead: skip, never a huge window
  merger.push(event(0, 3));
  merger.finish();
  BOOST_TEST(out.seqs.size() == 4U);
}

BOOST_AUTO_TEST_CASE(gap_events_move_the_order_on_but_are_not_delivered) {
  Collect out;
  SequenceMerger merger(out);
  merger.push(event(1, 1));
  HeapEvent gap = event(0, 2);
  gap.kind = HeapEventKind::Gap;
  merger.push(gap);
  merger.push(event(2, 1));
  merger.finish();
  BOOST_TEST(out.seqs == (std::vector<std::uint64_t>{1, 2}));
  BOOST_TEST(merger.skippedNumbers() == 0U);
}

BOOST_AUTO_TEST_SUITE_END()
