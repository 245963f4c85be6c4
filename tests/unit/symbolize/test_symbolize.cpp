// SPDX-License-Identifier: MIT
/// @brief Symbolizer tests: inline frames, demangling, unknown and missing modules, stats, speed.
#define BOOST_TEST_MODULE test_symbolize
#include <link.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdint>

#include "symbolize_test_support.h"

// The helpers are the vocabulary of every test case here.
using namespace memprof::symbolize::test;  // NOLINT(google-build-using-namespace)

namespace {

/// This test executable as the preload library would record it, plus its code range.
struct SelfModule {
  ModuleRef ref;
  std::uint64_t textStart = 0;
  std::uint64_t textEnd = 0;
};

SelfModule selfModule() {
  SelfModule self;
  self.ref.path = fs::read_symlink("/proc/self/exe").string();
  dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void* data) {
        auto* out = static_cast<SelfModule*>(data);
        out->ref.base = info->dlpi_addr;
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const ElfW(Phdr)& ph = info->dlpi_phdr[i];
          if (ph.p_type == PT_LOAD && (ph.p_flags & PF_X) != 0) {
            out->textStart = info->dlpi_addr + ph.p_vaddr;
            out->textEnd = out->textStart + ph.p_memsz;
          }
        }
        return 1;  // the first object is the main executable
      },
      &self);
  return self;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(Symbolizer)

BOOST_AUTO_TEST_CASE(resolve_inlinedCall_returnsInlineFrameThenCaller) {
  memprof::symbolize::Symbolizer symbolizer;
  const auto frames = symbolizer.resolve(fixtureModule(), fixtureRun().address("inline_ret"), true);
  checkInlineFrames(frames);
  BOOST_TEST(fs::path(frames[0].file).is_absolute(), frames[0].file);
  BOOST_TEST(frames[0].column > 0u);
}

BOOST_AUTO_TEST_CASE(resolve_cxxMember_demangles) {
  memprof::symbolize::Symbolizer symbolizer;
  const auto frames = symbolizer.resolve(fixtureModule(), fixtureRun().address("member_ret"), true);
  BOOST_REQUIRE_EQUAL(frames.size(), 1u);
  BOOST_TEST(frames[0].function == "memprof_fixture::Widget::compute(int) const");
  BOOST_TEST(baseName(frames[0].file) == "fixture_inline.cpp");
  BOOST_TEST(frames[0].line == markerLine("@capture-in-member"));
  BOOST_TEST(!frames[0].inlined);
}

BOOST_AUTO_TEST_CASE(resolve_functionEntryExactPc_namesFunction) {
  memprof::symbolize::Symbolizer symbolizer;
  const auto frames =
      symbolizer.resolve(fixtureModule(), fixtureRun().address("outer_entry"), false);
  BOOST_REQUIRE(!frames.empty());
  BOOST_TEST(frames.back().function == "outerFunction(int)");
  BOOST_TEST(!frames.back().inlined);
}

BOOST_AUTO_TEST_CASE(resolve_unknownAddress_returnsSingleEmptyFrame) {
  memprof::symbolize::Symbolizer symbolizer;
  const ModuleRef module = fixtureModule();
  for (const std::uint64_t address : {module.base + std::uint64_t{0x40000000}, std::uint64_t{0}}) {
    const auto frames = symbolizer.resolve(module, address, true);
    BOOST_REQUIRE_EQUAL(frames.size(), 1u);
    BOOST_TEST(frames[0].function.empty());
    BOOST_TEST(frames[0].file.empty());
    BOOST_TEST(frames[0].line == 0u);
  }
}

BOOST_AUTO_TEST_CASE(resolve_missingModule_marksMissing) {
  memprof::symbolize::Symbolizer symbolizer;
  const ModuleRef module{"/nonexistent/memprof/libnothing.so", "", 0x7f0000000000ull};
  const auto frames = symbolizer.resolve(module, 0x7f0000001234ull, true);
  BOOST_REQUIRE_EQUAL(frames.size(), 1u);
  BOOST_TEST(frames[0].function.empty());
  BOOST_TEST(frames[0].file.empty());
  const auto stats = statsFor(symbolizer, module.path);
  BOOST_REQUIRE(stats.has_value());
  BOOST_TEST(stats->missing);
  BOOST_TEST(stats->unresolved == 1u);
  BOOST_TEST(stats->resolved == 0u);
}

BOOST_AUTO_TEST_CASE(resolve_sharedLibrarySymbol_withoutDebugInfo_usesSymtab) {
  memprof::symbolize::Symbolizer symbolizer;
  const FixtureRun& run = fixtureRun();
  const ModuleRef libc{run.text("malloc_module"), "", run.address("malloc_base")};
  const auto frames = symbolizer.resolve(libc, run.address("malloc_addr"), false);
  BOOST_REQUIRE(!frames.empty());
  BOOST_TEST(frames.back().function.find("malloc") != std::string::npos, frames.back().function);
  const auto stats = statsFor(symbolizer, libc.path);
  BOOST_REQUIRE(stats.has_value());
  BOOST_TEST(!stats->missing);
  BOOST_TEST(stats->resolved == 1u);
}

BOOST_AUTO_TEST_CASE(stats_countsResolvedAndUnresolved) {
  memprof::symbolize::Symbolizer symbolizer;
  const ModuleRef module = fixtureModule();
  const FixtureRun& run = fixtureRun();
  symbolizer.resolve(module, run.address("inline_ret"), true);
  symbolizer.resolve(module, run.address("inline_ret"), true);  // repeats count once
  symbolizer.resolve(module, run.address("member_ret"), true);
  symbolizer.resolve(module, module.base + 0x40000000ull, false);
  const auto all = symbolizer.stats();
  BOOST_REQUIRE_EQUAL(all.size(), 1u);
  BOOST_TEST(all[0].path == module.path);
  BOOST_TEST(all[0].resolved == 2u);
  BOOST_TEST(all[0].unresolved == 1u);
  BOOST_TEST(!all[0].missing);
  BOOST_TEST(!all[0].buildIdMismatch);
}

BOOST_AUTO_TEST_CASE(resolveRef_otherLoadAddressOfSameFile_sharesCache) {
  memprof::symbolize::Symbolizer symbolizer;
  const ModuleRef module = fixtureModule();
  const std::uint64_t address = fixtureRun().address("inline_ret");
  checkInlineFrames(symbolizer.resolveRef(module, address, true));
  checkInlineFrames(symbolizer.resolveRef(module, address, true));
  // Another process mapped the file elsewhere: only the file address matters.
  ModuleRef moved = module;
  moved.base += 0x100000000ull;
  checkInlineFrames(symbolizer.resolveRef(moved, address + 0x100000000ull, true));
  const auto stats = statsFor(symbolizer, module.path);
  BOOST_REQUIRE(stats.has_value());
  BOOST_TEST(stats->resolved == 1u);  // symbolized once, served from the cache twice
}

BOOST_AUTO_TEST_CASE(resolve_manyDistinctAddresses_isFast) {
  const SelfModule self = selfModule();
  BOOST_REQUIRE(self.textEnd > self.textStart);
  constexpr std::uint64_t kCount = 100000;
  const std::uint64_t span = self.textEnd - self.textStart;
  const std::uint64_t stride = span > kCount ? span / kCount : 1;

  memprof::symbolize::Symbolizer symbolizer;
  const auto start = std::chrono::steady_clock::now();
  std::uint64_t named = 0;
  std::uint64_t withLine = 0;
  std::uint64_t total = 0;
  for (std::uint64_t a = self.textStart; a < self.textEnd && total < kCount; a += stride) {
    const auto& frames = symbolizer.resolveRef(self.ref, a, false);
    ++total;
    named += frames.back().function.empty() ? 0 : 1;
    withLine += frames.front().line != 0 ? 1 : 0;
  }
  const double firstPass =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto again = std::chrono::steady_clock::now();
  for (std::uint64_t a = self.textStart, n = 0; a < self.textEnd && n < kCount; a += stride, ++n) {
    symbolizer.resolveRef(self.ref, a, false);
  }
  const double cachedPass =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - again).count();
  BOOST_TEST_MESSAGE("symbolized " << total << " addresses in " << firstPass << " s (" << named
                                   << " named, " << withLine << " with a line); cached "
                                   << cachedPass << " s");
  BOOST_TEST(named * 10 >= total * 9);
  // Generous bound for loaded CI machines; typically well under a second.
  BOOST_TEST(firstPass < 10.0);
  BOOST_TEST(cachedPass < firstPass);
}
BOOST_AUTO_TEST_SUITE_END()
