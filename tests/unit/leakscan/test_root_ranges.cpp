// SPDX-License-Identifier: MIT
/// @brief Root selection: /proc/PID/maps parsing, module segments, stacks, exclusions.
#include <elf.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cstring>
#include <map>

#include "memprof/leakscan/glibc_heap.h"
#include "memprof/leakscan/root_ranges.h"

using namespace memprof::leakscan;

namespace {

const char* kMaps =
    "555555554000-555555555000 r--p 00000000 08:01 100 /usr/bin/app\n"
    "555555557000-555555559000 rw-p 00002000 08:01 100 /usr/bin/app\n"
    "555555559000-55555557a000 rw-p 00000000 00:00 0 [heap]\n"
    "7ffff7000000-7ffff7100000 rw-p 00000000 00:00 0 \n"
    "7ffff7100000-7ffff7101000 ---p 00000000 00:00 0 \n"
    "7ffff7101000-7ffff7200000 rw-p 00000000 00:00 0 \n"
    "7ffff7d00000-7ffff7d01000 rw-p 00002000 08:01 200 /usr/lib/libmemprof.so\n"
    "7ffff7d01000-7ffff7d02000 rw-p 00000000 00:00 0 \n"
    "7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0 [stack]\n";

}  // namespace

BOOST_AUTO_TEST_CASE(parse_maps_fields) {
  const auto maps = parseMaps(kMaps);
  BOOST_TEST(maps.size() == 9U);
  BOOST_TEST(maps[1].begin == 0x555555557000ULL);
  BOOST_TEST(maps[1].writable);
  BOOST_TEST(maps[1].name == "/usr/bin/app");
  BOOST_TEST(maps[3].name.empty());
  BOOST_TEST(!maps[4].readable);
  BOOST_TEST(maps[8].name == "[stack]");
}

BOOST_AUTO_TEST_CASE(roots_from_modules_anonymous_and_stack) {
  RootInputs in;
  in.maps = parseMaps(kMaps);
  memprof::reader::ModuleSnapshot snap;
  snap.modules.push_back({"/usr/bin/app",
                          "",
                          0x555555554000ULL,
                          {{0x3000, 0x2000, PF_R | PF_W}, {0, 0x1000, PF_R | PF_X}}});
  snap.modules.push_back(
      {"/usr/lib/libmemprof.so", "", 0x7ffff7d00000ULL - 0x2000, {{0x2000, 0x1800, PF_R | PF_W}}});
  in.modules = &snap;
  in.selfBase = 0x7ffff7d00000ULL - 0x2000;
  std::vector<Block> blocks{{0x555555559010ULL, 16}, {0x7ffff7101100ULL, 32}};  // sorted
  in.blocks = &blocks;
  in.stackPointers = {0x7fffffff0000ULL};
  in.excluded = {{0x7ffff7000000ULL, 0x7ffff7010000ULL}};
  const auto roots = rootRanges(in);
  // app's writable segment (clipped to the readable mapping), the anonymous mapping minus our
  // internal range, the stack from SP up; not the heap, not the mapping holding a block, not
  // libmemprof's data or bss.
  BOOST_TEST_REQUIRE(roots.size() == 3U);
  BOOST_TEST(roots[0].begin == 0x555555557000ULL);
  BOOST_TEST(roots[0].end == 0x555555559000ULL);
  BOOST_TEST(roots[1].begin == 0x7ffff7010000ULL);
  BOOST_TEST(roots[1].end == 0x7ffff7100000ULL);
  BOOST_TEST(roots[2].begin == 0x7fffffff0000ULL);
  BOOST_TEST(roots[2].end == 0x7ffffffff000ULL);
}

BOOST_AUTO_TEST_CASE(size_limit_applies_after_the_recorders_memory_is_taken_out) {
  // The kernel merged a program's small arena with 300 MiB of the recorder's reservations.
  RootInputs in;
  in.maps = parseMaps("7f0000000000-7f0012c40000 rw-p 00000000 00:00 0 \n");
  in.excluded = {{0x7f0000040000ULL, 0x7f0012c40000ULL}};
  const auto roots = rootRanges(in);
  BOOST_TEST_REQUIRE(roots.size() == 1U);
  BOOST_TEST(roots[0].begin == 0x7f0000000000ULL);
  BOOST_TEST(roots[0].end == 0x7f0000040000ULL);
  // Without the exclusion the mapping is too large to scan.
  in.excluded.clear();
  BOOST_TEST(rootRanges(in).empty());
}

BOOST_AUTO_TEST_CASE(mapping_holding_an_allocator_owned_block_keeps_the_rest_as_roots) {
  RootInputs in;
  in.maps = parseMaps("7f0000000000-7f0000100000 rw-p 00000000 00:00 0 \n");
  // A 256 KiB mmapped chunk merged with 768 KiB of the program's own memory.
  std::vector<Block> blocks{{0x7f0000040010ULL, 200000}};
  in.blocks = &blocks;
  in.allocatorOwned = {{0x7f0000040000ULL, 0x7f0000080000ULL}};
  const auto roots = rootRanges(in);
  BOOST_TEST_REQUIRE(roots.size() == 2U);
  BOOST_TEST(roots[0].begin == 0x7f0000000000ULL);
  BOOST_TEST(roots[0].end == 0x7f0000040000ULL);
  BOOST_TEST(roots[1].begin == 0x7f0000080000ULL);
  BOOST_TEST(roots[1].end == 0x7f0000100000ULL);
  // A block nobody claims: the whole mapping is left out, as before.
  in.allocatorOwned.clear();
  BOOST_TEST(rootRanges(in).empty());
}

namespace {

/// Process memory made of a few words at given addresses; the rest reads as zeros.
class WordMemory : public MemorySource {
 public:
  void set(std::uint64_t addr, std::uint64_t value) { m_words[addr] = value; }
  void read(std::uint64_t addr, void* out, std::size_t size) override {
    auto* bytes = static_cast<unsigned char*>(out);
    for (std::size_t i = 0; i < size; i += 8) {
      const auto it = m_words.find(addr + i);
      const std::uint64_t v = it == m_words.end() ? 0 : it->second;
      std::memcpy(bytes + i, &v, std::min<std::size_t>(8, size - i));
    }
  }

 private:
  std::map<std::uint64_t, std::uint64_t> m_words;
};

}  // namespace

BOOST_AUTO_TEST_CASE(glibc_chunk_headers_give_mmapped_chunks_and_arena_heaps) {
  WordMemory memory;
  // An mmapped chunk: prev_size 0, size 0x41000 | IS_MMAPPED, at the start of its mapping.
  memory.set(0x7f0000040000ULL, 0);
  memory.set(0x7f0000040008ULL, 0x41000 | 0x2);
  // Two blocks of one non-main arena heap (NON_MAIN_ARENA | PREV_INUSE).
  memory.set(0x7e0004000108ULL, 0x30 | 0x4 | 0x1);
  memory.set(0x7e0004000208ULL, 0x30 | 0x4 | 0x1);
  // A main-arena chunk and a header too small for its block: no range.
  memory.set(0x555555559008ULL, 0x20 | 0x1);
  memory.set(0x7d0000000008ULL, 0x10 | 0x1);
  const std::vector<Block> blocks{{0x555555559010ULL, 16},
                                  {0x7d0000000010ULL, 64},
                                  {0x7e0004000110ULL, 32},
                                  {0x7e0004000210ULL, 40},
                                  {0x7f0000040010ULL, 200000}};
  const auto owned = glibcOwnedRanges(blocks, memory);
  BOOST_TEST_REQUIRE(owned.size() == 2U);
  BOOST_TEST(owned[0].begin == 0x7e0004000000ULL);
  BOOST_TEST(owned[0].end == 0x7e0004000000ULL + kGlibcHeapMaxSize);
  BOOST_TEST(owned[1].begin == 0x7f0000040000ULL);
  BOOST_TEST(owned[1].end == 0x7f0000081000ULL);
}
