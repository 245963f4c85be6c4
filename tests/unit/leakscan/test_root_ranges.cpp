// SPDX-License-Identifier: MIT
/// @brief Root selection: /proc/PID/maps parsing, module segments, stacks, exclusions.
#include <elf.h>

#include <boost/test/unit_test.hpp>

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
