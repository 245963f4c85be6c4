// SPDX-License-Identifier: MIT
/// @brief Unit tests of memprof_aggregate: PointerMap, TimelineBuilder, HeapReplay counting rules
/// and buildReport over unknown (unsymbolizable) frames.
#define BOOST_TEST_MODULE test_aggregate
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <unordered_map>
#include <vector>

#include "memprof/aggregate/heap_replay.h"
#include "memprof/aggregate/pointer_map.h"
#include "memprof/aggregate/report_builder.h"
#include "memprof/aggregate/timeline_builder.h"
#include "memprof/reader/events.h"
#include "memprof/reader/log_reader.h"
#include "memprof/symbolize/symbolizer.h"

using memprof::aggregate::HeapReplay;
using memprof::aggregate::LiveBlock;
using memprof::aggregate::PointerMap;
using memprof::aggregate::TimelineBuilder;
using memprof::reader::HeapEvent;
using memprof::reader::HeapEventKind;

namespace {

/// Collects every live entry of a PointerMap.
std::map<std::uint64_t, std::pair<std::uint64_t, std::uint32_t>> contents(const PointerMap& m) {
  std::map<std::uint64_t, std::pair<std::uint64_t, std::uint32_t>> out;
  m.forEach([&](std::uint64_t ptr, const LiveBlock& b) {
    BOOST_TEST(out.count(ptr) == 0U, "key " << ptr << " stored twice");
    out[ptr] = {b.size, b.stack};
  });
  return out;
}

/// Feeds synthetic heap events to a HeapReplay with increasing sequence numbers.
class Events {
 public:
  explicit Events(HeapReplay& r) : m_replay(r) {}
  void alloc(std::uint64_t t, std::uint64_t ptr, std::uint64_t size, std::uint32_t stack) {
    HeapEvent e;
    e.seq = m_seq++;
    e.timeUs = t;
    e.ptr = ptr;
    e.size = size;
    e.stack = stack;
    e.kind = HeapEventKind::Alloc;
    m_replay.onHeapEvent(e);
  }
  void free(std::uint64_t t, std::uint64_t ptr) {
    HeapEvent e;
    e.seq = m_seq++;
    e.timeUs = t;
    e.ptr = ptr;
    e.kind = HeapEventKind::Free;
    e.fn = memprof::format::AllocFn::Free;
    m_replay.onHeapEvent(e);
  }

 private:
  HeapReplay& m_replay;
  std::uint64_t m_seq = 0;
};

std::uint64_t toUs(double seconds) {
  return static_cast<std::uint64_t>(std::llround(seconds * 1e6));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(PointerMapTests)

BOOST_AUTO_TEST_CASE(insertErase_singleKey_tracksSize) {
  PointerMap m;
  BOOST_TEST(m.size() == 0U);
  m.insert(0x1000, LiveBlock{10, 1});
  BOOST_TEST(m.size() == 1U);
  m.insert(0x1000, LiveBlock{20, 2});  // overwrite, not a second entry
  BOOST_TEST(m.size() == 1U);
  LiveBlock b;
  BOOST_TEST(m.erase(0x1000, &b));
  BOOST_TEST(b.size == 20U);
  BOOST_TEST(b.stack == 2U);
  BOOST_TEST(m.size() == 0U);
  BOOST_TEST(!m.erase(0x1000, &b));
}

BOOST_AUTO_TEST_CASE(insertErase_nullPointer_isIgnored) {
  PointerMap m;
  m.insert(0, LiveBlock{10, 1});
  BOOST_TEST(m.size() == 0U);
  LiveBlock b;
  BOOST_TEST(!m.erase(0, &b));
}

BOOST_AUTO_TEST_CASE(erase_keysSharingHomeSlot_keepsOthersReachable) {
  // The hash ignores the low 4 address bits, so 0x7000..0x700F share one home slot: a forced
  // collision chain. Deleting from the middle must keep the rest of the chain reachable.
  PointerMap m;
  for (std::uint64_t k = 0; k < 16; ++k)
    m.insert(0x7000 + k, LiveBlock{k + 1, static_cast<std::uint32_t>(k)});
  // Some neighbours with other homes, so the chain interleaves with foreign entries.
  for (std::uint64_t k = 1; k <= 8; ++k) m.insert(0x7000 + k * 16, LiveBlock{100 + k, 0});
  BOOST_TEST(m.size() == 24U);
  LiveBlock b;
  for (std::uint64_t k : {3ULL, 0ULL, 15ULL, 8ULL, 7ULL}) {
    BOOST_TEST(m.erase(0x7000 + k, &b));
    BOOST_TEST(b.size == k + 1);
  }
  BOOST_TEST(m.size() == 19U);
  for (std::uint64_t k = 0; k < 16; ++k) {
    const bool erased = k == 3 || k == 0 || k == 15 || k == 8 || k == 7;
    BOOST_TEST(m.erase(0x7000 + k, &b) == !erased, "key offset " << k);
    if (!erased) BOOST_TEST(b.size == k + 1);
  }
  for (std::uint64_t k = 1; k <= 8; ++k) {
    BOOST_TEST(m.erase(0x7000 + k * 16, &b));
    BOOST_TEST(b.size == 100 + k);
  }
  BOOST_TEST(m.size() == 0U);
}

BOOST_AUTO_TEST_CASE(insertErase_randomOperations_matchUnorderedMap) {
  std::mt19937_64 rng(20240601);
  PointerMap m;
  std::unordered_map<std::uint64_t, LiveBlock> ref;
  // A small key space with many keys per home slot (low-4-bit variants) and 16-byte-aligned
  // addresses, so probe chains get long, wrap and are cut by deletions.
  std::vector<std::uint64_t> keys;
  for (std::uint64_t i = 0; i < 30000; ++i) {
    const std::uint64_t base = 0x55550000000ULL + (rng() % 20000) * 16;
    keys.push_back(base + (rng() % 4 == 0 ? (rng() % 15) + 1 : 0));
  }
  for (int op = 0; op < 300000; ++op) {
    const std::uint64_t key = keys[rng() % keys.size()];
    if (rng() % 100 < 55) {
      const LiveBlock b{rng() % 100000, static_cast<std::uint32_t>(rng() % 1000)};
      if (rng() % 2 == 0) {
        m.insert(key, b);
      } else {
        // insertReplacing reports the block it replaced, exactly when the key was live.
        LiveBlock old{~0ULL, ~0U};
        const auto it = ref.find(key);
        BOOST_TEST_REQUIRE(m.insertReplacing(key, b, &old) == (it != ref.end()), "op " << op);
        if (it != ref.end()) {
          BOOST_TEST_REQUIRE(old.size == it->second.size);
          BOOST_TEST_REQUIRE(old.stack == it->second.stack);
        }
      }
      ref[key] = b;
    } else {
      LiveBlock got;
      const auto it = ref.find(key);
      const bool present = it != ref.end();
      BOOST_TEST_REQUIRE(m.erase(key, &got) == present, "op " << op << " key " << key);
      if (present) {
        BOOST_TEST_REQUIRE(got.size == it->second.size);
        BOOST_TEST_REQUIRE(got.stack == it->second.stack);
        ref.erase(it);
      }
    }
    BOOST_TEST_REQUIRE(m.size() == ref.size(), "op " << op);
    if (op % 25000 == 0) {
      const auto all = contents(m);
      BOOST_TEST_REQUIRE(all.size() == ref.size());
      for (const auto& [k, v] : ref) {
        const auto it = all.find(k);
        BOOST_TEST_REQUIRE((it != all.end()), "key " << k << " lost");
        BOOST_TEST_REQUIRE(it->second.first == v.size);
      }
    }
  }
  // Drain everything: every key still reachable after all the shifting.
  std::vector<std::uint64_t> remaining;
  for (const auto& [k, v] : ref) remaining.push_back(k);
  std::sort(remaining.begin(), remaining.end());
  std::shuffle(remaining.begin(), remaining.end(), rng);
  for (std::uint64_t k : remaining) {
    LiveBlock got;
    BOOST_TEST_REQUIRE(m.erase(k, &got), "key " << k);
    BOOST_TEST_REQUIRE(got.size == ref[k].size);
  }
  BOOST_TEST(m.size() == 0U);
  BOOST_TEST(contents(m).empty());
}

BOOST_AUTO_TEST_CASE(sizesOf4GiBAndMore_keepEveryBit_throughReplaceEraseAndGrowth) {
  // Slots keep 32-bit sizes; larger ones live beside them. Both kinds, at the boundary too.
  const std::vector<std::uint64_t> sizes = {
      0, 1, 0xFFFFFFFEULL, 0xFFFFFFFFULL, 0x100000000ULL, (std::uint64_t{1} << 40) + 7, ~0ULL};
  PointerMap m;
  std::unordered_map<std::uint64_t, std::uint64_t> ref;
  for (std::uint64_t i = 1; i <= 100000; ++i) {  // past the initial 65536 slots: grows
    const std::uint64_t size = sizes[i % sizes.size()];
    m.insert(i * 64, LiveBlock{size, static_cast<std::uint32_t>(i)});
    ref[i * 64] = size;
  }
  LiveBlock old;
  for (std::uint64_t i = 1; i <= 100000; i += 3) {  // replace big by small and small by big
    const std::uint64_t size = sizes[(i + 3) % sizes.size()];
    BOOST_TEST_REQUIRE(m.insertReplacing(i * 64, LiveBlock{size, 9}, &old));
    BOOST_TEST_REQUIRE(old.size == ref[i * 64]);
    ref[i * 64] = size;
  }
  for (const auto& [ptr, block] : contents(m)) BOOST_TEST_REQUIRE(block.first == ref.at(ptr));
  for (const auto& [ptr, size] : ref) {
    BOOST_TEST_REQUIRE(m.erase(ptr, &old));
    BOOST_TEST_REQUIRE(old.size == size);
  }
  BOOST_TEST(m.size() == 0U);
}

BOOST_AUTO_TEST_CASE(insert_manyKeysBeyondInitialCapacity_growsAndKeepsAll) {
  PointerMap m;
  constexpr std::uint64_t kCount = 200000;  // initial table has 65536 slots
  for (std::uint64_t i = 1; i <= kCount; ++i)
    m.insert(i * 48, LiveBlock{i, static_cast<std::uint32_t>(i % 7)});
  BOOST_TEST(m.size() == kCount);
  LiveBlock b;
  for (std::uint64_t i = 1; i <= kCount; i += 2) {
    BOOST_TEST_REQUIRE(m.erase(i * 48, &b));
    BOOST_TEST_REQUIRE(b.size == i);
  }
  BOOST_TEST(m.size() == kCount / 2);
  for (std::uint64_t i = 2; i <= kCount; i += 2) {
    BOOST_TEST_REQUIRE(m.erase(i * 48, &b));
    BOOST_TEST_REQUIRE(b.size == i);
  }
  BOOST_TEST(m.size() == 0U);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(TimelineBuilderTests)

BOOST_AUTO_TEST_CASE(points_100kPointsWithOneSpike_keepExactPeakAfterCoarsening) {
  TimelineBuilder tl;  // 4096 buckets: 100k points over 10 s force two coarsenings
  constexpr std::uint64_t kPoints = 100000;
  constexpr std::uint64_t kStepUs = 100;  // 10 s at 1 ms buckets: 10000 > 4096
  constexpr std::uint64_t kSpikeIndex = 54321;
  constexpr std::uint64_t kSpikeBytes = 1000000000;
  auto valueAt = [](std::uint64_t i) {
    return i == kSpikeIndex ? kSpikeBytes : 1000 + (i * 7919) % 5000;
  };
  for (std::uint64_t i = 0; i < kPoints; ++i) tl.heap(i * kStepUs + 1, valueAt(i));
  const std::uint64_t endUs = kPoints * kStepUs + 100;
  const auto pts = tl.points(endUs);

  BOOST_TEST(pts.size() < kPoints / 4, "the timeline was not coarsened: " << pts.size());
  bool sawSpike = false;
  std::uint64_t maxBytes = 0;
  for (const auto& p : pts) {
    maxBytes = std::max(maxBytes, p.heapBytes);
    if (p.heapBytes == kSpikeBytes) {
      sawSpike = true;
      BOOST_TEST(toUs(p.t) == kSpikeIndex * kStepUs + 1);
    }
  }
  BOOST_TEST(sawSpike);
  BOOST_TEST(maxBytes == kSpikeBytes);

  // Time order, from 0 to the end, and every interior point's value is exact at its time.
  BOOST_REQUIRE(!pts.empty());
  BOOST_TEST(pts.front().t == 0.0);
  BOOST_TEST(toUs(pts.back().t) == endUs);
  for (std::size_t i = 1; i < pts.size(); ++i) {
    BOOST_TEST_REQUIRE(pts[i - 1].t < pts[i].t,
                       "points " << i - 1 << " and " << i << " out of order");
  }
  for (std::size_t i = 1; i + 1 < pts.size(); ++i) {
    const std::uint64_t us = toUs(pts[i].t);
    BOOST_TEST_REQUIRE((us - 1) % kStepUs == 0U, "point at " << us << " is not an event time");
    BOOST_TEST_REQUIRE(pts[i].heapBytes == valueAt((us - 1) / kStepUs), "value at " << us);
  }
}

BOOST_AUTO_TEST_CASE(points_fewPoints_areReturnedExactly) {
  TimelineBuilder tl;
  tl.heap(10, 100);
  tl.heap(5000, 300);
  tl.heap(9000, 50);
  const auto pts = tl.points(10000);
  BOOST_REQUIRE(pts.size() == 5U);
  BOOST_TEST(pts[0].heapBytes == 0U);
  BOOST_TEST(toUs(pts[1].t) == 10U);
  BOOST_TEST(pts[1].heapBytes == 100U);
  BOOST_TEST(toUs(pts[2].t) == 5000U);
  BOOST_TEST(pts[2].heapBytes == 300U);
  BOOST_TEST(pts[3].heapBytes == 50U);
  BOOST_TEST(toUs(pts[4].t) == 10000U);
  BOOST_TEST(pts[4].heapBytes == 50U);
}

// Several heap changes often share one microsecond (the replay clamps per-thread clocks to be
// monotonic). The header promises that "the run's peak is always one of" the emitted points.
BOOST_AUTO_TEST_CASE(points_spikeFreedInSameMicrosecond_peakStillAppears) {
  TimelineBuilder tl;
  tl.heap(100, 1000);
  tl.heap(2000, 1000000);  // peak ...
  tl.heap(2000, 1000);     // ... freed within the same microsecond
  tl.heap(5000, 2000);
  const auto pts = tl.points(6000);
  std::uint64_t maxBytes = 0;
  for (const auto& p : pts) maxBytes = std::max(maxBytes, p.heapBytes);
  BOOST_TEST(maxBytes == 1000000U);
}

BOOST_AUTO_TEST_CASE(points_rssSamples_areMergedInTimeOrder) {
  TimelineBuilder tl;
  tl.rss(50, 4096);
  tl.heap(1000, 100);
  tl.rss(3000, 8192);
  tl.heap(4000, 200);
  const auto pts = tl.points(5000);
  for (std::size_t i = 1; i < pts.size(); ++i) BOOST_TEST(pts[i - 1].t < pts[i].t);
  bool sawRssOnly = false;
  for (const auto& p : pts) {
    if (toUs(p.t) == 3000) {
      sawRssOnly = true;
      BOOST_TEST(p.rssBytes == 8192U);
      BOOST_TEST(p.heapBytes == 100U);  // heap unchanged since t=1000
    }
  }
  BOOST_TEST(sawRssOnly);
  BOOST_TEST(pts.back().rssBytes == 8192U);
  BOOST_TEST(pts.back().heapBytes == 200U);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(HeapReplayTests)

BOOST_AUTO_TEST_CASE(onHeapEvent_allocsAndFrees_countTotals) {
  HeapReplay r;
  Events ev(r);
  ev.alloc(1, 0x1000, 100, 1);
  ev.alloc(2, 0x2000, 200, 1);
  ev.free(3, 0x1000);
  ev.alloc(4, 0x3000, 0, 2);  // zero-size allocation still counts as an allocation
  r.finish();
  BOOST_TEST(r.allocations() == 3U);
  BOOST_TEST(r.frees() == 1U);
  BOOST_TEST(r.bytesAllocated() == 300U);
  BOOST_TEST(r.peakHeap() == 300U);
  BOOST_TEST(r.peakTimeUs() == 2U);
  BOOST_TEST(r.leakedBytes() == 200U);
  BOOST_TEST(r.leakedCount() == 2U);
  BOOST_TEST(r.endTimeUs() == 4U);
}

BOOST_AUTO_TEST_CASE(onHeapEvent_pipelinedEvents_allApplied_atEndOfLog) {
  // Events are applied a few steps after they arrive (prefetching); the end of the log, or
  // finish(), applies the rest, in order: 1000 blocks alive at once, then all freed but one.
  HeapReplay r;
  Events ev(r);
  for (std::uint64_t i = 0; i < 1000; ++i) ev.alloc(i, 0x10000 + 16 * i, 10, 1);
  for (std::uint64_t i = 1; i < 1000; ++i) ev.free(1000 + i, 0x10000 + 16 * i);
  r.onEndOfLog();  // what readLog calls: `memprof list` reads peaks without finish()
  BOOST_TEST(r.allocations() == 1000U);
  BOOST_TEST(r.frees() == 999U);
  BOOST_TEST(r.peakHeap() == 10000U);
  BOOST_TEST(r.peakTimeUs() == 999U);
  BOOST_TEST(r.leakedBytes() == 10U);
  r.finish();  // idempotent with respect to the events
  BOOST_TEST(r.leakedCount() == 1U);
  BOOST_TEST(r.frees() == 999U);
}

BOOST_AUTO_TEST_CASE(onHeapEvents_runsOfAnyLength_giveTheSameFiguresAsOneByOne) {
  // ThreadedSink hands runs to onHeapEvents, interleaved with single events elsewhere: any
  // split must replay exactly as one event at a time (same order, nothing skipped).
  std::mt19937_64 rng(7);
  std::vector<HeapEvent> events;
  std::vector<std::uint64_t> live;
  for (std::uint64_t i = 0; i < 20000; ++i) {
    HeapEvent e;
    e.seq = i;
    e.timeUs = i / 3;
    if (live.empty() || rng() % 100 < 55) {
      e.kind = HeapEventKind::Alloc;
      e.ptr = 0x10000 + 16 * (rng() % 5000);  // reuses addresses: some allocs replace
      e.size = rng() % 3 == 0 ? (std::uint64_t{1} << 33) + i : rng() % 4096;
      e.stack = static_cast<std::uint32_t>(1 + rng() % 50);
      live.push_back(e.ptr);
    } else {
      e.kind = HeapEventKind::Free;
      const std::size_t k = rng() % live.size();
      e.ptr = live[k];
      live[k] = live.back();
      live.pop_back();
    }
    events.push_back(e);
  }
  HeapReplay single;
  for (const HeapEvent& e : events) single.onHeapEvent(e);
  single.onEndOfLog();
  single.finish();
  for (const std::size_t maxRun :
       {std::size_t{1}, std::size_t{5}, std::size_t{17}, std::size_t{4096}}) {
    HeapReplay runs;
    std::size_t i = 0;
    bool asRun = true;
    while (i < events.size()) {
      const std::size_t n = std::min<std::size_t>(events.size() - i, 1 + rng() % maxRun);
      if (asRun) {
        runs.onHeapEvents(events.data() + i, n);
      } else {
        for (std::size_t j = i; j < i + n; ++j) runs.onHeapEvent(events[j]);
      }
      asRun = !asRun;
      i += n;
    }
    runs.onEndOfLog();
    runs.finish();
    BOOST_TEST(runs.allocations() == single.allocations());
    BOOST_TEST(runs.frees() == single.frees());
    BOOST_TEST(runs.bytesAllocated() == single.bytesAllocated());
    BOOST_TEST(runs.peakHeap() == single.peakHeap());
    BOOST_TEST(runs.peakTimeUs() == single.peakTimeUs());
    BOOST_TEST(runs.leakedBytes() == single.leakedBytes());
    BOOST_TEST(runs.leakedCount() == single.leakedCount());
    for (std::uint32_t stack = 1; stack <= 50; ++stack) {
      const auto& a = runs.stacks()[stack];
      const auto& b = single.stacks()[stack];
      BOOST_TEST_REQUIRE(a.allocations == b.allocations, "stack " << stack);
      BOOST_TEST_REQUIRE(a.bytes == b.bytes, "stack " << stack);
      BOOST_TEST_REQUIRE(a.peakBytes == b.peakBytes, "stack " << stack);
      BOOST_TEST_REQUIRE(a.liveBytes == b.liveBytes, "stack " << stack);
    }
  }
}

BOOST_AUTO_TEST_CASE(onHeapEvent_freeOfUnknownPointer_isNotCounted) {
  HeapReplay r;
  Events ev(r);
  ev.alloc(1, 0x1000, 100, 1);
  ev.free(2, 0xdead0);  // never allocated while recording
  ev.free(3, 0x1000);
  ev.free(4, 0x1000);  // double free: the second is unknown
  r.finish();
  BOOST_TEST(r.frees() == 1U);
  BOOST_TEST(r.unmatchedFrees() == 2U);
  BOOST_TEST(r.allocations() == 1U);
  BOOST_TEST(r.leakedBytes() == 0U);
  BOOST_TEST(r.peakHeap() == 100U);
}

BOOST_AUTO_TEST_CASE(finish_stackPeakedBeforeGlobalPeak_reportsBytesLiveAtGlobalPeak) {
  // Stack A reaches 300 at t=2 (its own maximum) but holds only 100 at the global peak (t=4),
  // where stack B holds 250. peakBytes is "live at the moment of the whole run's heap peak".
  constexpr std::uint32_t A = 1, B = 2, C = 3, D = 4;
  HeapReplay r;
  Events ev(r);
  ev.alloc(1, 0x1000, 100, A);
  ev.alloc(2, 0x2000, 200, A);  // heap 300: A's own maximum
  ev.free(3, 0x2000);           // heap 100
  ev.alloc(4, 0x3000, 250, B);  // heap 350: global peak
  ev.free(5, 0x3000);           // heap 100
  ev.alloc(6, 0x4000, 50, A);   // heap 150
  ev.alloc(7, 0x5000, 120, C);  // heap 270: after the peak, below it
  r.finish();
  BOOST_TEST(r.peakHeap() == 350U);
  BOOST_TEST(r.peakTimeUs() == 4U);
  const auto& s = r.stacks();
  BOOST_REQUIRE(s.idLimit() > C);
  BOOST_TEST(s.count() == 3U);  // figures only for the stacks events named
  BOOST_TEST(s[A].peakBytes == 100U);
  BOOST_TEST(s[B].peakBytes == 250U);
  BOOST_TEST(s[C].peakBytes == 0U);
  BOOST_TEST(s[A].allocations == 3U);
  BOOST_TEST(s[A].bytes == 350U);
  BOOST_TEST(s[A].liveBytes == 150U);
  BOOST_TEST(s[A].liveCount == 2U);
  BOOST_TEST(s[B].liveBytes == 0U);
  BOOST_TEST(s[D].peakBytes == 0U);
  // Per-stack peak figures add up to the global peak.
  std::uint64_t sum = 0;
  s.forEach([&](std::uint32_t, const memprof::aggregate::StackFigures& f) { sum += f.peakBytes; });
  BOOST_TEST(sum == r.peakHeap());
}

BOOST_AUTO_TEST_CASE(finish_stackUnchangedAcrossManyPeaks_keepsItsValue) {
  constexpr std::uint32_t Quiet = 5, Busy = 6;
  HeapReplay r;
  Events ev(r);
  ev.alloc(1, 0x100, 64, Quiet);
  for (std::uint64_t i = 0; i < 100; ++i) ev.alloc(2 + i, 0x10000 + i * 16, 10, Busy);  // 100 peaks
  for (std::uint64_t i = 0; i < 50; ++i) ev.free(200 + i, 0x10000 + i * 16);
  r.finish();
  BOOST_TEST(r.peakHeap() == 64U + 1000U);
  BOOST_TEST(r.stacks()[Quiet].peakBytes == 64U);
  BOOST_TEST(r.stacks()[Busy].peakBytes == 1000U);
  BOOST_TEST(r.stacks()[Busy].liveBytes == 500U);
}

BOOST_AUTO_TEST_CASE(finish_leakedBlocks_areGroupedPerStack) {
  HeapReplay r;
  Events ev(r);
  ev.alloc(1, 0x1000, 10, 1);
  ev.alloc(2, 0x2000, 20, 1);
  ev.alloc(3, 0x3000, 40, 2);
  ev.alloc(4, 0x4000, 80, 3);
  ev.free(5, 0x4000);
  r.finish();
  const auto& groups = r.leakGroups();
  BOOST_TEST(groups.size() == 2U);
  const auto g1 = groups.find({1U, -1});
  const auto g2 = groups.find({2U, -1});
  BOOST_REQUIRE((g1 != groups.end()));
  BOOST_REQUIRE((g2 != groups.end()));
  BOOST_TEST(g1->second.bytes == 30U);
  BOOST_TEST(g1->second.count == 2U);
  BOOST_TEST(g2->second.bytes == 40U);
  BOOST_TEST(g2->second.count == 1U);
  BOOST_TEST(r.leakedBytes() == 70U);
  BOOST_TEST(r.leakedCount() == 3U);
  BOOST_TEST(r.stacks()[3].liveBytes == 0U);
}

BOOST_AUTO_TEST_CASE(finish_leakVerdicts_splitGroupsByKind) {
  HeapReplay r;
  Events ev(r);
  ev.alloc(1, 0x1000, 10, 1);
  ev.alloc(2, 0x2000, 20, 1);
  ev.alloc(3, 0x3000, 40, 1);
  r.onLeakVerdicts({{0x1000, memprof::format::LeakKind::Definite},
                    {0x2000, memprof::format::LeakKind::Reachable}});
  r.finish();
  BOOST_TEST(r.haveLeakVerdicts());
  const auto& g = r.leakGroups();
  BOOST_TEST(g.size() == 3U);
  BOOST_TEST(g.at({1U, 0}).bytes == 10U);
  BOOST_TEST(g.at({1U, 3}).bytes == 20U);
  BOOST_TEST(g.at({1U, -1}).bytes == 40U);  // not scanned
}

BOOST_AUTO_TEST_CASE(onHeapEvent_addressReusedOnAnotherStack_attributesToNewStack) {
  constexpr std::uint32_t A = 1, B = 2;
  HeapReplay r;
  Events ev(r);
  ev.alloc(1, 0xA000, 100, A);
  ev.free(2, 0xA000);
  ev.alloc(3, 0xA000, 30, B);
  r.finish();
  BOOST_TEST(r.allocations() == 2U);
  BOOST_TEST(r.frees() == 1U);
  BOOST_TEST(r.bytesAllocated() == 130U);
  BOOST_TEST(r.leakedBytes() == 30U);
  BOOST_TEST(r.leakedCount() == 1U);
  BOOST_TEST(r.stacks()[A].liveBytes == 0U);
  BOOST_TEST(r.stacks()[B].liveBytes == 30U);
  BOOST_TEST(r.peakHeap() == 100U);
  BOOST_TEST(r.stacks()[A].peakBytes == 100U);
  BOOST_TEST(r.stacks()[B].peakBytes == 0U);
  const auto& g = r.leakGroups();
  BOOST_TEST(g.size() == 1U);
  BOOST_TEST(g.count({B, -1}) == 1U);
}

BOOST_AUTO_TEST_CASE(onHeapEvent_allocOverLiveAddress_retiresTheOldBlock) {
  // The free was never seen (a path not intercepted): the old block must not stay counted.
  constexpr std::uint32_t A = 1, B = 2;
  HeapReplay r;
  Events ev(r);
  ev.alloc(1, 0xA000, 100, A);
  ev.alloc(2, 0xA000, 30, B);
  r.finish();
  BOOST_TEST(r.leakedBytes() == 30U);
  BOOST_TEST(r.leakedCount() == 1U);
  BOOST_TEST(r.stacks()[A].liveBytes == 0U);
  BOOST_TEST(r.stacks()[A].liveCount == 0U);
  BOOST_TEST(r.peakHeap() == 100U);
}

BOOST_AUTO_TEST_CASE(onHeapEvent_timeGoingBackwards_isClampedMonotonic) {
  HeapReplay r;
  Events ev(r);
  ev.alloc(100, 0x1000, 10, 1);
  ev.alloc(90, 0x2000, 10, 1);  // another thread's clock, a bit behind
  r.finish();
  BOOST_TEST(r.peakTimeUs() == 100U);
  const auto pts = r.timeline().points(r.endTimeUs());
  for (std::size_t i = 1; i < pts.size(); ++i) BOOST_TEST(pts[i - 1].t <= pts[i].t);
}

// The report's timeline and its totals must agree on the peak ("heap bytes exact at each point",
// and TimelineBuilder promises the run's peak is one of its points).
BOOST_AUTO_TEST_CASE(timeline_peakBlockFreedInSameMicrosecond_stillShowsPeakHeap) {
  HeapReplay r;
  Events ev(r);
  ev.alloc(10, 0x1000, 100, 1);
  ev.alloc(2000, 0x2000, 1 << 20, 2);  // the peak ...
  ev.free(2000, 0x2000);               // ... gone within the same microsecond
  ev.alloc(3000, 0x3000, 50, 1);
  r.finish();
  BOOST_TEST(r.peakHeap() == 100U + (1U << 20));
  std::uint64_t maxHeap = 0;
  for (const auto& p : r.timeline().points(r.endTimeUs())) maxHeap = std::max(maxHeap, p.heapBytes);
  BOOST_TEST(maxHeap == r.peakHeap());
}

BOOST_AUTO_TEST_CASE(onRssAndSamples_recordPeakRssAndSampleCounts) {
  HeapReplay r;
  r.onRss(10, 1000);
  r.onRss(20, 5000);
  r.onRss(30, 3000);
  r.onSample(memprof::reader::Sample{40, 2, 1, 3});
  r.onSample(memprof::reader::Sample{50, 2, 1, 1});
  r.finish();
  BOOST_TEST(r.peakRss() == 5000U);
  BOOST_TEST(r.peakRssTimeUs() == 20U);
  BOOST_TEST(r.cpuSamples() == 4U);
  BOOST_TEST(r.stacks()[2].samples == 4U);
  BOOST_TEST(r.endTimeUs() == 50U);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(BuildReport)

BOOST_AUTO_TEST_CASE(buildReport_unknownFrames_groupsLeaksPerStackSortedByBytes) {
  // No module map at all: every ip is outside any module, so every frame is unknown.
  HeapReplay r;
  memprof::reader::ProcessInfo p;
  p.pid = 77;
  p.exe = "/bin/app";
  p.argv = {"app", "x"};
  r.onProcess(p);
  r.onStackNode({1, 0, 0x1000, 0});
  r.onStackNode({2, 1, 0x2000, 0});
  r.onStackNode({3, 1, 0x3000, 0});
  r.onStackNode({4, 1, 0x2000, 0});  // same addresses as node 2 (another thread's trie)
  Events ev(r);
  ev.alloc(1, 0x10, 100, 2);
  ev.alloc(2, 0x20, 500, 3);
  ev.alloc(3, 0x30, 50, 4);
  ev.alloc(4, 0x40, 1000, 3);
  ev.free(5, 0x40);
  ev.alloc(6, 0x50, 7, 1);
  r.onExit({memprof::format::ExitKind::Signaled, 9, 10});
  r.finish();

  memprof::symbolize::Symbolizer symbolizer;
  memprof::reader::ReadSummary summary;
  summary.fileBytes = 1234;
  summary.heapEvents = 6;
  const auto report = memprof::aggregate::buildReport(r, summary, "x.mprof", symbolizer);

  BOOST_TEST(report.totals.allocations == 5U);
  BOOST_TEST(report.totals.frees == 1U);
  BOOST_TEST(report.totals.bytesAllocated == 1657U);
  BOOST_TEST(report.totals.peakHeapBytes == 1650U);
  BOOST_TEST(report.totals.leakedBytes == 657U);
  BOOST_TEST(report.totals.leakedAllocations == 4U);
  BOOST_TEST(report.totals.durationS == 10e-6);
  BOOST_TEST(report.program.pid == 77U);
  BOOST_TEST(report.program.command == (std::vector<std::string>{"app", "x"}),
             boost::test_tools::per_element());
  BOOST_TEST(!report.program.exitCode.has_value());
  BOOST_REQUIRE(report.program.signal.has_value());
  BOOST_TEST(*report.program.signal == 9);
  BOOST_TEST(report.logPath == "x.mprof");
  BOOST_TEST(report.logBytes == 1234U);
  BOOST_TEST(report.lines.empty(), "unknown frames have no source line");

  // Stacks 2 and 4 have the same addresses: one leak entry. Largest first.
  BOOST_REQUIRE(report.leaks.size() == 3U);
  BOOST_TEST(report.leaks[0].bytes == 500U);
  BOOST_TEST(report.leaks[0].allocations == 1U);
  BOOST_TEST(report.leaks[1].bytes == 150U);
  BOOST_TEST(report.leaks[1].allocations == 2U);
  BOOST_TEST(report.leaks[2].bytes == 7U);
  for (std::size_t i = 1; i < report.leaks.size(); ++i) {
    BOOST_TEST(report.leaks[i - 1].bytes >= report.leaks[i].bytes);
  }
  const auto& top = report.leaks[0];
  BOOST_TEST(top.kind == "definite");
  BOOST_REQUIRE(top.stack.size() == 2U);  // node 3, then its parent node 1
  BOOST_TEST(top.stack[0].address == 0x3000U);
  BOOST_TEST(top.stack[1].address == 0x1000U);
  for (const auto& f : top.stack) {
    BOOST_TEST(f.function.empty());
    BOOST_TEST(f.file.empty());
    BOOST_TEST(f.line == 0U);
    BOOST_TEST(f.module.empty());
  }
  BOOST_REQUIRE(report.leaks[1].stack.size() == 2U);
  BOOST_TEST(report.leaks[1].stack[0].address == 0x2000U);
  BOOST_REQUIRE(report.leaks[2].stack.size() == 1U);
  BOOST_TEST(report.leaks[2].stack[0].address == 0x1000U);

  BOOST_REQUIRE(!report.timeline.empty());
  for (std::size_t i = 1; i < report.timeline.size(); ++i) {
    BOOST_TEST(report.timeline[i - 1].t < report.timeline[i].t);
  }
  std::uint64_t maxHeap = 0;
  for (const auto& pt : report.timeline) maxHeap = std::max(maxHeap, pt.heapBytes);
  BOOST_TEST(maxHeap == 1650U);
}

BOOST_AUTO_TEST_CASE(buildReport_fewLeakStacks_countsEveryLeakFramesOnlyTheLargest) {
  HeapReplay r;
  r.onStackNode({1, 0, 0x1000, 0});
  r.onStackNode({2, 1, 0x2000, 0});
  r.onStackNode({3, 1, 0x3000, 0});
  Events ev(r);
  ev.alloc(1, 0x10, 100, 2);
  ev.alloc(2, 0x20, 500, 3);
  ev.alloc(3, 0x30, 7, 1);
  r.finish();
  memprof::symbolize::Symbolizer symbolizer;
  const auto report = memprof::aggregate::buildReport(r, {}, "x.mprof", symbolizer, 1);
  BOOST_REQUIRE(report.leaks.size() == 3U);
  BOOST_TEST(report.leaks[0].bytes == 500U);
  BOOST_REQUIRE(report.leaks[0].stack.size() == 2U);
  BOOST_TEST(report.leaks[0].stack[0].address == 0x3000U);
  BOOST_TEST(report.leaks[1].bytes == 100U);
  BOOST_TEST(report.leaks[1].stack.empty());
  BOOST_TEST(report.leaks[2].kind == "definite");
  BOOST_TEST(report.leaks[2].stack.empty());
}

BOOST_AUTO_TEST_CASE(buildReport_emptyReplay_givesZeroTotals) {
  HeapReplay r;
  r.finish();
  memprof::symbolize::Symbolizer symbolizer;
  const auto report = memprof::aggregate::buildReport(r, {}, "empty.mprof", symbolizer);
  BOOST_TEST(report.totals.allocations == 0U);
  BOOST_TEST(report.totals.peakHeapBytes == 0U);
  BOOST_TEST(report.leaks.empty());
  BOOST_TEST(report.lines.empty());
  BOOST_TEST(!report.program.exitCode.has_value());
  BOOST_TEST(!report.program.signal.has_value());
}

BOOST_AUTO_TEST_SUITE_END()
