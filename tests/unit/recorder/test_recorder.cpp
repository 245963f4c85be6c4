// SPDX-License-Identifier: MIT
/// @brief Unit tests of memprof_recorder's data structures: StackTrie, ByteRing, BootstrapArena.
/// The library is built without exceptions; this test is an ordinary executable linking it.
#define BOOST_TEST_MODULE test_recorder
#include <array>
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <vector>

#include "bootstrap_arena.h"
#include "byte_ring.h"
#include "stack_trie.h"

using memprof::preload::BootstrapArena;
using memprof::preload::ByteRing;
using memprof::preload::StackTrie;

namespace {

struct Edge {
  std::uint32_t id;
  std::uint32_t parent;
  std::uintptr_t ip;
};

struct EdgeLog {
  std::vector<Edge> edges;
  static void sink(void* context, std::uint32_t id, std::uint32_t parent, std::uintptr_t ip) {
    static_cast<EdgeLog*>(context)->edges.push_back(Edge{id, parent, ip});
  }
};

/// A StackTrie that is initialised and released around each test.
struct TrieFixture {
  TrieFixture() {
    memprof::preload::resetNodeIds();
    BOOST_REQUIRE(trie.init());
  }
  ~TrieFixture() { trie.release(); }

  std::uint32_t intern(const std::vector<std::uintptr_t>& ips) {
    return trie.intern(ips.data(), ips.size(), &EdgeLog::sink, &log);
  }
  /// Rebuilds the ips of a node from every edge emitted so far (innermost first).
  std::vector<std::uintptr_t> unwind(std::uint32_t id) {
    for (; indexed < log.edges.size(); ++indexed) byId[log.edges[indexed].id] = log.edges[indexed];
    std::vector<std::uintptr_t> ips;
    while (id != 0) {
      const auto it = byId.find(id);
      if (it == byId.end()) {
        BOOST_ERROR("node " << id << " was never emitted");
        break;
      }
      ips.push_back(it->second.ip);
      id = it->second.parent;
      if (ips.size() > 1000) break;
    }
    return ips;
  }

  StackTrie trie;
  EdgeLog log;
  std::map<std::uint32_t, Edge> byId;  // edges emitted so far, by node id (built lazily)
  std::size_t indexed = 0;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(StackTrieTests, TrieFixture)

BOOST_AUTO_TEST_CASE(intern_sameStackTwice_returnsSameIdAndEmitsOnce) {
  const std::vector<std::uintptr_t> stack = {0x401010, 0x402020, 0x403030};
  const std::uint32_t a = intern(stack);
  BOOST_TEST(a != 0U);
  BOOST_TEST(log.edges.size() == 3U);
  const std::uint32_t b = intern(stack);
  BOOST_TEST(a == b);
  BOOST_TEST(log.edges.size() == 3U, "no edge is emitted twice");
}

BOOST_AUTO_TEST_CASE(intern_newStack_emitsEdgesRootFirstWithParentLinks) {
  const std::vector<std::uintptr_t> stack = {0x1111, 0x2222, 0x3333};  // innermost first
  const std::uint32_t leaf = intern(stack);
  BOOST_REQUIRE(log.edges.size() == 3U);
  BOOST_TEST(log.edges[0].parent == 0U);  // outermost frame hangs off the root
  BOOST_TEST(log.edges[0].ip == 0x3333U);
  BOOST_TEST(log.edges[1].parent == log.edges[0].id);
  BOOST_TEST(log.edges[1].ip == 0x2222U);
  BOOST_TEST(log.edges[2].parent == log.edges[1].id);
  BOOST_TEST(log.edges[2].ip == 0x1111U);
  BOOST_TEST(log.edges[2].id == leaf);
  BOOST_TEST(unwind(leaf) == stack, boost::test_tools::per_element());
  std::set<std::uint32_t> ids;
  for (const Edge& e : log.edges) ids.insert(e.id);
  BOOST_TEST(ids.size() == 3U);
  BOOST_TEST(ids.count(0U) == 0U);
}

BOOST_AUTO_TEST_CASE(intern_differentStacks_returnDifferentIds) {
  const std::uint32_t a = intern({0x10, 0x20});
  const std::uint32_t b = intern({0x20, 0x10});  // same frames, other order
  const std::uint32_t c = intern({0x10});
  const std::uint32_t d = intern({0x10, 0x20, 0x30});
  const std::set<std::uint32_t> ids = {a, b, c, d};
  BOOST_TEST(ids.size() == 4U);
  BOOST_TEST(ids.count(0U) == 0U);
  BOOST_TEST(unwind(a) == (std::vector<std::uintptr_t>{0x10, 0x20}),
             boost::test_tools::per_element());
  BOOST_TEST(unwind(b) == (std::vector<std::uintptr_t>{0x20, 0x10}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(intern_stacksDifferingInInnermostFrame_shareAllParents) {
  const std::uint32_t a = intern({0xA1, 0x200, 0x300, 0x400});
  BOOST_REQUIRE(log.edges.size() == 4U);
  const std::uint32_t parentOfA = log.edges[3].parent;
  const std::uint32_t b = intern({0xB1, 0x200, 0x300, 0x400});
  BOOST_REQUIRE(log.edges.size() == 5U);  // exactly one new edge
  BOOST_TEST(log.edges[4].id == b);
  BOOST_TEST(log.edges[4].parent == parentOfA);
  BOOST_TEST(log.edges[4].ip == 0xB1U);
  BOOST_TEST(a != b);
  BOOST_TEST(unwind(b) == (std::vector<std::uintptr_t>{0xB1, 0x200, 0x300, 0x400}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(intern_emptyStack_returnsZeroWithoutEdges) {
  BOOST_TEST(trie.intern(nullptr, 0, &EdgeLog::sink, &log) == 0U);
  BOOST_TEST(log.edges.empty());
}

BOOST_AUTO_TEST_CASE(clear_afterInterning_forgetsAllEdges) {
  const std::vector<std::uintptr_t> stack = {0x1, 0x2, 0x3};
  const std::uint32_t before = intern(stack);
  BOOST_TEST(log.edges.size() == 3U);
  trie.clear();
  const std::uint32_t after = intern(stack);
  BOOST_TEST(log.edges.size() == 6U, "every edge is new again after clear()");
  BOOST_TEST(after != 0U);
  BOOST_TEST(after != before, "ids stay unique across clear() (they are process-wide)");
  BOOST_TEST(intern(stack) == after);
  BOOST_TEST(log.edges.size() == 6U);
}

BOOST_AUTO_TEST_CASE(intern_manyStacksBeyondInitialCapacity_growsAndKeepsIds) {
  // 20000 two-frame stacks under one common root frame: 20001 edges, more than the initial
  // table (16384 slots, grows at half load) and the 4096-entry whole-stack cache.
  constexpr std::uintptr_t kRoot = 0x7f0000001000;
  std::vector<std::uint32_t> ids;
  for (std::uintptr_t i = 0; i < 20000; ++i) ids.push_back(intern({0x400000 + i * 8, kRoot}));
  BOOST_TEST(log.edges.size() == 20001U);
  BOOST_TEST(std::set<std::uint32_t>(ids.begin(), ids.end()).size() == ids.size());
  for (std::uintptr_t i = 0; i < 20000; ++i) {
    BOOST_TEST_REQUIRE(intern({0x400000 + i * 8, kRoot}) == ids[i], "stack " << i);
  }
  BOOST_TEST(log.edges.size() == 20001U, "re-interning emitted edges");
  BOOST_TEST(unwind(ids[12345]) == (std::vector<std::uintptr_t>{0x400000 + 12345 * 8, kRoot}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(intern_randomStacks_unwindToTheirFrames) {
  std::mt19937_64 rng(99);
  std::vector<std::vector<std::uintptr_t>> stacks;
  std::vector<std::uint32_t> ids;
  for (int s = 0; s < 2000; ++s) {
    std::vector<std::uintptr_t> st(1 + rng() % 12);
    for (auto& ip : st) ip = 0x400000 + (rng() % 64) * 16;  // few distinct frames: much sharing
    stacks.push_back(st);
    ids.push_back(intern(st));
  }
  for (std::size_t s = 0; s < stacks.size(); ++s) {
    BOOST_TEST_REQUIRE(intern(stacks[s]) == ids[s]);
    BOOST_TEST_REQUIRE(unwind(ids[s]) == stacks[s]);
  }
  // Each (parent, ip) pair is emitted once.
  std::set<std::pair<std::uint32_t, std::uintptr_t>> seen;
  for (const Edge& e : log.edges) BOOST_TEST_REQUIRE(seen.insert({e.parent, e.ip}).second);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(StackTrieLifecycle)

BOOST_AUTO_TEST_CASE(intern_beforeInit_returnsZero) {
  StackTrie trie;
  EdgeLog log;
  const std::uintptr_t ips[] = {0x1, 0x2};
  BOOST_TEST(trie.intern(ips, 2, &EdgeLog::sink, &log) == 0U);
  BOOST_TEST(log.edges.empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(ByteRingTests)

namespace {
std::vector<std::uint8_t> seqBytes(std::size_t n, std::uint8_t start) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(start + i);
  return v;
}
}  // namespace

BOOST_AUTO_TEST_CASE(pushDrain_simpleRecord_roundTrips) {
  std::array<std::uint8_t, 64> storage{};
  ByteRing ring;
  ring.attach(storage.data(), storage.size());
  BOOST_TEST(ring.capacity() == 64U);
  BOOST_TEST(ring.used() == 0U);
  const auto rec = seqBytes(20, 1);
  BOOST_TEST(ring.push(rec.data(), rec.size()));
  BOOST_TEST(ring.used() == 20U);
  std::array<std::uint8_t, 64> out{};
  BOOST_TEST(ring.drain(out.data(), out.size()) == 20U);
  BOOST_TEST(std::vector<std::uint8_t>(out.begin(), out.begin() + 20) == rec,
             boost::test_tools::per_element());
  BOOST_TEST(ring.used() == 0U);
  BOOST_TEST(ring.drain(out.data(), out.size()) == 0U);
}

BOOST_AUTO_TEST_CASE(pushDrain_recordAcrossEnd_wrapsAround) {
  std::array<std::uint8_t, 16> storage{};
  ByteRing ring;
  ring.attach(storage.data(), storage.size());
  std::array<std::uint8_t, 16> out{};
  const auto first = seqBytes(10, 0);
  BOOST_REQUIRE(ring.push(first.data(), first.size()));
  BOOST_REQUIRE(ring.drain(out.data(), out.size()) == 10U);
  // Head is at 10: the next 10 bytes go 6 at the end, 4 at the start.
  const auto second = seqBytes(10, 100);
  BOOST_TEST(ring.push(second.data(), second.size()));
  BOOST_TEST(ring.used() == 10U);
  out.fill(0);
  BOOST_TEST(ring.drain(out.data(), out.size()) == 10U);
  BOOST_TEST(std::vector<std::uint8_t>(out.begin(), out.begin() + 10) == second,
             boost::test_tools::per_element());
  BOOST_TEST(ring.used() == 0U);
}

BOOST_AUTO_TEST_CASE(push_recordThatDoesNotFit_isRefusedAndLeavesRingIntact) {
  std::array<std::uint8_t, 16> storage{};
  ByteRing ring;
  ring.attach(storage.data(), storage.size());
  const auto a = seqBytes(10, 1);
  BOOST_REQUIRE(ring.push(a.data(), a.size()));
  const auto b = seqBytes(7, 50);
  BOOST_TEST(!ring.push(b.data(), b.size()));  // 6 free
  BOOST_TEST(ring.used() == 10U);
  const auto c = seqBytes(6, 80);
  BOOST_TEST(ring.push(c.data(), c.size()));  // exactly fills
  BOOST_TEST(ring.used() == 16U);
  const std::uint8_t one = 9;
  BOOST_TEST(!ring.push(&one, 1));
  BOOST_TEST(ring.used() == 16U);
  const auto big = seqBytes(17, 0);
  std::array<std::uint8_t, 16> out{};
  BOOST_TEST(ring.drain(out.data(), out.size()) == 16U);
  std::vector<std::uint8_t> expected = a;
  expected.insert(expected.end(), c.begin(), c.end());
  BOOST_TEST(std::vector<std::uint8_t>(out.begin(), out.end()) == expected,
             boost::test_tools::per_element());
  BOOST_TEST(!ring.push(big.data(), big.size()), "larger than the whole ring");
}

BOOST_AUTO_TEST_CASE(drain_bufferSmallerThanUsed_neverWritesPastMaxNorLosesBytes) {
  std::array<std::uint8_t, 32> storage{};
  ByteRing ring;
  ring.attach(storage.data(), storage.size());
  const auto a = seqBytes(12, 1);
  const auto b = seqBytes(12, 101);
  BOOST_REQUIRE(ring.push(a.data(), a.size()));
  BOOST_REQUIRE(ring.push(b.data(), b.size()));
  std::array<std::uint8_t, 40> out{};
  out.fill(0xEE);
  const std::size_t got = ring.drain(out.data(), 8);
  BOOST_TEST(got <= 8U);
  for (std::size_t i = 8; i < out.size(); ++i)
    BOOST_TEST(out[i] == 0xEE, "byte " << i << " written");
  BOOST_TEST(ring.used() == 24U - got);
  std::vector<std::uint8_t> all(out.begin(), out.begin() + static_cast<long>(got));
  std::array<std::uint8_t, 40> rest{};
  const std::size_t more = ring.drain(rest.data(), rest.size());
  all.insert(all.end(), rest.begin(), rest.begin() + static_cast<long>(more));
  std::vector<std::uint8_t> expected = a;
  expected.insert(expected.end(), b.begin(), b.end());
  BOOST_TEST(all == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(pushDrain_randomRecordsOverManyWraps_preserveByteStream) {
  std::array<std::uint8_t, 256> storage{};
  ByteRing ring;
  ring.attach(storage.data(), storage.size());
  std::mt19937 rng(4242);
  std::vector<std::uint8_t> pushed, drained;
  std::uint8_t next = 0;
  std::array<std::uint8_t, 256> out{};
  for (int i = 0; i < 20000; ++i) {
    const std::size_t n = 1 + rng() % 90;
    std::vector<std::uint8_t> rec(n);
    for (auto& b : rec) b = next++;
    const std::size_t usedBefore = ring.used();
    const bool fits = usedBefore + n <= ring.capacity();
    BOOST_TEST_REQUIRE(ring.push(rec.data(), rec.size()) == fits, "op " << i);
    if (fits) {
      pushed.insert(pushed.end(), rec.begin(), rec.end());
      BOOST_TEST_REQUIRE(ring.used() == usedBefore + n);
    } else {
      next = static_cast<std::uint8_t>(next - n);  // not pushed: reuse the values
      BOOST_TEST_REQUIRE(ring.used() == usedBefore);
    }
    if (!fits || rng() % 4 == 0) {
      const std::size_t m = ring.drain(out.data(), out.size());
      BOOST_TEST_REQUIRE(m == usedBefore + (fits ? n : 0));
      drained.insert(drained.end(), out.begin(), out.begin() + static_cast<long>(m));
      BOOST_TEST_REQUIRE(ring.used() == 0U);
    }
  }
  const std::size_t m = ring.drain(out.data(), out.size());
  drained.insert(drained.end(), out.begin(), out.begin() + static_cast<long>(m));
  BOOST_TEST(pushed.size() > 100U * ring.capacity(), "the ring wrapped many times");
  BOOST_TEST(drained == pushed);
}

BOOST_AUTO_TEST_CASE(discard_pendingBytes_emptiesRing) {
  std::array<std::uint8_t, 16> storage{};
  ByteRing ring;
  ring.attach(storage.data(), storage.size());
  const auto a = seqBytes(12, 1);
  BOOST_REQUIRE(ring.push(a.data(), a.size()));
  ring.discard();
  BOOST_TEST(ring.used() == 0U);
  std::array<std::uint8_t, 16> out{};
  BOOST_TEST(ring.drain(out.data(), out.size()) == 0U);
  const auto full = seqBytes(16, 0);
  BOOST_TEST(ring.push(full.data(), full.size()));  // whole capacity free again
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(BootstrapArenaTests)

BOOST_AUTO_TEST_CASE(allocate_defaultAlignment_is16AndOwned) {
  void* p = BootstrapArena::allocate(24);
  BOOST_REQUIRE(p != nullptr);
  BOOST_TEST(reinterpret_cast<std::uintptr_t>(p) % 16 == 0U);
  BOOST_TEST(BootstrapArena::owns(p));
  BOOST_TEST(BootstrapArena::owns(static_cast<char*>(p) + 23));
  BOOST_TEST(BootstrapArena::sizeOf(p) == 24U);
  const auto* bytes = static_cast<const std::uint8_t*>(p);
  for (std::size_t i = 0; i < 24; ++i)
    BOOST_TEST_REQUIRE(bytes[i] == 0U, "not zero-filled at " << i);
}

BOOST_AUTO_TEST_CASE(allocate_pageAlignment_is4096) {
  void* p = BootstrapArena::allocate(100, 4096);
  BOOST_REQUIRE(p != nullptr);
  BOOST_TEST(reinterpret_cast<std::uintptr_t>(p) % 4096 == 0U);
  BOOST_TEST(BootstrapArena::owns(p));
  BOOST_TEST(BootstrapArena::sizeOf(p) == 100U);
}

BOOST_AUTO_TEST_CASE(allocate_smallAlignment_isRaisedTo16) {
  for (std::size_t align : {1U, 2U, 8U}) {
    void* p = BootstrapArena::allocate(3, align);
    BOOST_TEST(reinterpret_cast<std::uintptr_t>(p) % 16 == 0U);
    BOOST_TEST(BootstrapArena::sizeOf(p) == 3U);
  }
}

BOOST_AUTO_TEST_CASE(allocate_successiveBlocks_doNotOverlap) {
  std::vector<std::pair<std::uint8_t*, std::size_t>> blocks;
  for (std::size_t i = 0; i < 50; ++i) {
    const std::size_t size = 1 + i * 13;
    auto* p = static_cast<std::uint8_t*>(BootstrapArena::allocate(size, i % 5 == 0 ? 64 : 16));
    for (std::size_t j = 0; j < size; ++j) p[j] = static_cast<std::uint8_t>(i);
    blocks.emplace_back(p, size);
  }
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    BOOST_TEST(BootstrapArena::sizeOf(blocks[i].first) == blocks[i].second, "block " << i);
    for (std::size_t j = 0; j < blocks[i].second; ++j) {
      BOOST_TEST_REQUIRE(blocks[i].first[j] == static_cast<std::uint8_t>(i),
                         "block " << i << " overwritten");
    }
  }
}

BOOST_AUTO_TEST_CASE(owns_foreignPointers_isFalse) {
  int onStack = 0;
  BOOST_TEST(!BootstrapArena::owns(&onStack));
  void* heap = std::malloc(32);
  BOOST_TEST(!BootstrapArena::owns(heap));
  std::free(heap);
  BOOST_TEST(!BootstrapArena::owns(nullptr));
}

BOOST_AUTO_TEST_SUITE_END()
