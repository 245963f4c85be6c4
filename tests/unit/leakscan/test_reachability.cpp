// SPDX-License-Identifier: MIT
/// @brief Reachability classification on synthetic memory graphs (memcheck's rules).
#define BOOST_TEST_MODULE leakscan
#include <boost/test/unit_test.hpp>
#include <cstring>
#include <map>

#include "memprof/leakscan/reachability.h"

using memprof::format::LeakKind;
using namespace memprof::leakscan;

namespace {

/// A fake address space: words written at chosen addresses, everything else reads as zero.
class FakeMemory : public MemorySource {
 public:
  void put(std::uint64_t addr, std::uint64_t value) { m_words[addr] = value; }
  void read(std::uint64_t addr, void* out, std::size_t size) override {
    auto* bytes = static_cast<std::uint8_t*>(out);
    std::memset(bytes, 0, size);
    for (auto it = m_words.lower_bound(addr); it != m_words.end() && it->first + 8 <= addr + size;
         ++it) {
      std::memcpy(bytes + (it->first - addr), &it->second, 8);
    }
  }

 private:
  std::map<std::uint64_t, std::uint64_t> m_words;
};

constexpr std::uint64_t kGlobals = 0x1000;  // root range [0x1000, 0x2000)
constexpr std::uint64_t kHeap = 0x100000;

std::vector<Range> roots() { return {Range{kGlobals, kGlobals + 0x1000}}; }

/// Blocks of 64 bytes at kHeap + i * 0x100.
std::vector<Block> blocks(std::size_t n) {
  std::vector<Block> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(Block{kHeap + i * 0x100, 64});
  return out;
}

std::uint64_t at(std::size_t i) { return kHeap + i * 0x100; }

}  // namespace

BOOST_AUTO_TEST_CASE(lost_block_is_definite) {
  FakeMemory mem;
  const auto kinds = classify(blocks(1), roots(), mem);
  BOOST_TEST(kinds.size() == 1U);
  BOOST_TEST(static_cast<int>(kinds[0]) == static_cast<int>(LeakKind::Definite));
}

BOOST_AUTO_TEST_CASE(global_holds_block_reachable) {
  FakeMemory mem;
  mem.put(kGlobals + 0x10, at(0));
  const auto kinds = classify(blocks(2), roots(), mem);
  BOOST_TEST(static_cast<int>(kinds[0]) == static_cast<int>(LeakKind::Reachable));
  BOOST_TEST(static_cast<int>(kinds[1]) == static_cast<int>(LeakKind::Definite));
}

BOOST_AUTO_TEST_CASE(reachable_chain_through_start_pointers) {
  FakeMemory mem;
  mem.put(kGlobals, at(2));
  mem.put(at(2) + 8, at(0));
  mem.put(at(0) + 56, at(1));  // last word of a 64-byte block is scanned
  const auto kinds = classify(blocks(3), roots(), mem);
  for (const auto k : kinds)
    BOOST_TEST(static_cast<int>(k) == static_cast<int>(LeakKind::Reachable));
}

BOOST_AUTO_TEST_CASE(lost_block_pointing_to_another_makes_it_indirect) {
  FakeMemory mem;
  mem.put(at(1), at(0));  // block 1 (lost) -> block 0: the leader in address order is 0...
  const auto kinds = classify(blocks(2), roots(), mem);
  // ...but block 1 reaches block 0, so 0 is indirect and 1 (reached by nobody) definite.
  BOOST_TEST(static_cast<int>(kinds[0]) == static_cast<int>(LeakKind::Indirect));
  BOOST_TEST(static_cast<int>(kinds[1]) == static_cast<int>(LeakKind::Definite));
}

BOOST_AUTO_TEST_CASE(interior_pointer_only_is_possible) {
  FakeMemory mem;
  mem.put(kGlobals + 8, at(0) + 40);
  mem.put(at(0), at(1));  // what a possible block points to is possible too
  const auto kinds = classify(blocks(2), roots(), mem);
  BOOST_TEST(static_cast<int>(kinds[0]) == static_cast<int>(LeakKind::Possible));
  BOOST_TEST(static_cast<int>(kinds[1]) == static_cast<int>(LeakKind::Possible));
}

BOOST_AUTO_TEST_CASE(start_pointer_upgrades_possible_to_reachable) {
  FakeMemory mem;
  mem.put(kGlobals, at(0) + 16);  // interior first...
  mem.put(kGlobals + 8, at(1));
  mem.put(at(1), at(0));  // ...then a start pointer from a reachable block
  const auto kinds = classify(blocks(2), roots(), mem);
  BOOST_TEST(static_cast<int>(kinds[0]) == static_cast<int>(LeakKind::Reachable));
  BOOST_TEST(static_cast<int>(kinds[1]) == static_cast<int>(LeakKind::Reachable));
}

BOOST_AUTO_TEST_CASE(cycle_of_lost_blocks_one_definite_rest_indirect) {
  FakeMemory mem;
  mem.put(at(0), at(1));
  mem.put(at(1), at(2));
  mem.put(at(2), at(0));
  const auto kinds = classify(blocks(3), roots(), mem);
  BOOST_TEST(static_cast<int>(kinds[0]) == static_cast<int>(LeakKind::Definite));
  BOOST_TEST(static_cast<int>(kinds[1]) == static_cast<int>(LeakKind::Indirect));
  BOOST_TEST(static_cast<int>(kinds[2]) == static_cast<int>(LeakKind::Indirect));
}

BOOST_AUTO_TEST_CASE(separate_lost_structures_each_have_a_definite_head) {
  FakeMemory mem;
  mem.put(at(3), at(0));          // list A: 3 -> 0
  mem.put(at(2) + 8, at(1) + 8);  // list B: 2 -> (interior of) 1
  const auto kinds = classify(blocks(4), roots(), mem);
  BOOST_TEST(static_cast<int>(kinds[0]) == static_cast<int>(LeakKind::Indirect));
  BOOST_TEST(static_cast<int>(kinds[1]) == static_cast<int>(LeakKind::Indirect));
  BOOST_TEST(static_cast<int>(kinds[2]) == static_cast<int>(LeakKind::Definite));
  BOOST_TEST(static_cast<int>(kinds[3]) == static_cast<int>(LeakKind::Definite));
}

BOOST_AUTO_TEST_CASE(pointers_outside_roots_and_unaligned_words_do_not_count) {
  FakeMemory mem;
  mem.put(0x3000, at(0));             // not a root
  mem.put(kGlobals + 0x1000, at(1));  // just past the root range
  const auto kinds = classify(blocks(2), roots(), mem);
  BOOST_TEST(static_cast<int>(kinds[0]) == static_cast<int>(LeakKind::Definite));
  BOOST_TEST(static_cast<int>(kinds[1]) == static_cast<int>(LeakKind::Definite));
}

BOOST_AUTO_TEST_CASE(pointer_past_the_end_is_not_interior) {
  FakeMemory mem;
  mem.put(kGlobals, at(0) + 64);  // one past the end of a 64-byte block
  const auto kinds = classify(blocks(1), roots(), mem);
  BOOST_TEST(static_cast<int>(kinds[0]) == static_cast<int>(LeakKind::Definite));
}

BOOST_AUTO_TEST_CASE(zero_size_block_start_pointer_reaches_it) {
  FakeMemory mem;
  std::vector<Block> b{Block{kHeap, 0}};
  mem.put(kGlobals, kHeap);
  const auto kinds = classify(b, roots(), mem);
  BOOST_TEST(static_cast<int>(kinds[0]) == static_cast<int>(LeakKind::Reachable));
}

BOOST_AUTO_TEST_CASE(empty_inputs) {
  FakeMemory mem;
  BOOST_TEST(classify({}, roots(), mem).empty());
  BOOST_TEST(classify(blocks(1), {}, mem).size() == 1U);
}

BOOST_AUTO_TEST_CASE(glibc_next_chunk_header_is_not_an_interior_pointer) {
  FakeMemory mem;
  std::vector<Block> b{Block{kHeap, 100}};  // chunk of 112 bytes: next header at +96
  mem.put(kGlobals, kHeap + 96);
  ScanOptions glibc;
  glibc.glibcChunkHeaders = true;
  BOOST_TEST(static_cast<int>(classify(b, roots(), mem, nullptr, glibc)[0]) ==
             static_cast<int>(LeakKind::Definite));
  BOOST_TEST(static_cast<int>(classify(b, roots(), mem)[0]) ==
             static_cast<int>(LeakKind::Possible));
  mem.put(kGlobals + 8, kHeap + 88);  // any other interior pointer still counts
  BOOST_TEST(static_cast<int>(classify(b, roots(), mem, nullptr, glibc)[0]) ==
             static_cast<int>(LeakKind::Possible));
}
