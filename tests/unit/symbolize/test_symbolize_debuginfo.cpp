// SPDX-License-Identifier: MIT
/// @brief Symbolizer tests: separate debug info, build-ids, sysroot, debuginfod, corrupt files.
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <utility>

#include "symbolize_test_support.h"

// The helpers are the vocabulary of every test case here.
using namespace memprof::symbolize::test;  // NOLINT(google-build-using-namespace)

BOOST_AUTO_TEST_SUITE(Symbolizer)

BOOST_AUTO_TEST_CASE(resolve_withDebuginfodUrlsSet_neverContactsDebuginfod) {
  // Without local debug info (libc here; a stripped fixture copied away from its .debug file),
  // libdwfl asks our find_debuginfo callback; the stock one would then create the debuginfod
  // client cache and try the (unreachable) server.
  TempDir cache;
  const fs::path cacheDir = cache.path() / "debuginfod";
  fs::copy_file(kFixture + std::string(".stripped"), cache.path() / "app");
  ::setenv("DEBUGINFOD_URLS", "http://127.0.0.1:9/", 1);
  ::setenv("DEBUGINFOD_CACHE_PATH", cacheDir.c_str(), 1);
  {
    memprof::symbolize::Symbolizer symbolizer;
    const FixtureRun& run = fixtureRun();
    const ModuleRef libc{run.text("malloc_module"), "", run.address("malloc_base")};
    symbolizer.resolve(libc, run.address("malloc_addr") + 1, true);
    const auto frames = symbolizer.resolve(fixtureModule((cache.path() / "app").string()),
                                           run.address("inline_ret"), true);
    BOOST_TEST(frames.back().file.empty());  // really without debug info
  }
  ::unsetenv("DEBUGINFOD_URLS");
  ::unsetenv("DEBUGINFOD_CACHE_PATH");
  BOOST_TEST(!fs::exists(cacheDir));
}

BOOST_AUTO_TEST_CASE(resolve_corruptModuleFiles_returnUnknownWithoutThrowing) {
  TempDir dir;
  // Not an ELF at all, an ELF cut inside its headers, and one cut in the middle of its sections.
  fs::copy_file(kFixtureSource, dir.path() / "text.so");
  const auto size = fs::file_size(kFixture);
  for (const auto& [name, keep] :
       {std::pair{"head.so", std::uintmax_t{200}}, std::pair{"half.so", size / 2}}) {
    fs::copy_file(kFixture, dir.path() / name);
    fs::resize_file(dir.path() / name, keep);
  }
  memprof::symbolize::Symbolizer symbolizer;
  const std::uint64_t base = fixtureRun().address("exe_base");
  for (const char* name : {"text.so", "head.so", "half.so"}) {
    const ModuleRef module{(dir.path() / name).string(), fixtureRun().buildId(), base};
    for (const char* key : {"inline_ret", "member_ret", "outer_entry"}) {
      std::vector<SourceFrame> frames;
      BOOST_CHECK_NO_THROW(frames = symbolizer.resolve(module, fixtureRun().address(key), true));
      BOOST_TEST(!frames.empty());
    }
  }
}

BOOST_AUTO_TEST_CASE(resolve_buildIdMismatch_flagsAndStillResolves) {
  memprof::symbolize::Symbolizer symbolizer;
  ModuleRef module = fixtureModule();
  module.buildId = std::string("\x01\x02\x03\x04", 4);
  checkInlineFrames(symbolizer.resolve(module, fixtureRun().address("inline_ret"), true));
  const auto stats = statsFor(symbolizer, module.path);
  BOOST_REQUIRE(stats.has_value());
  BOOST_TEST(stats->buildIdMismatch);
  BOOST_TEST(!stats->missing);
}

BOOST_AUTO_TEST_CASE(resolve_strippedModuleWithDebuglink_usesSeparateDebugFile) {
  memprof::symbolize::Symbolizer symbolizer;
  const ModuleRef stripped = fixtureModule(kFixture + std::string(".stripped"));
  checkInlineFrames(symbolizer.resolve(stripped, fixtureRun().address("inline_ret"), true));
  const auto member = symbolizer.resolve(stripped, fixtureRun().address("member_ret"), true);
  BOOST_TEST(member.front().function == "memprof_fixture::Widget::compute(int) const");
}

BOOST_AUTO_TEST_CASE(resolve_debuglinkUnderDebugPath_mirrorsModuleDirectory) {
  TempDir bin;
  TempDir debugRoot;  // <root>/<module dir>/<debuglink>, like /usr/lib/debug/usr/lib/...
  fs::copy_file(kFixture + std::string(".stripped"), bin.path() / "app");
  const fs::path mirrored = debugRoot.path().string() + bin.path().string();
  fs::create_directories(mirrored);
  fs::copy_file(kFixture + std::string(".debug"),
                mirrored / (baseName(kFixture) + ".debug"));  // the name objcopy linked
  SymbolizerOptions options;
  options.debugPaths.push_back(debugRoot.path().string());
  memprof::symbolize::Symbolizer symbolizer(options);
  const ModuleRef module = fixtureModule((bin.path() / "app").string());
  checkInlineFrames(symbolizer.resolve(module, fixtureRun().address("inline_ret"), true));
}

BOOST_AUTO_TEST_CASE(resolve_withoutDebugAranges_findsCuByItsRanges) {
  memprof::symbolize::Symbolizer symbolizer;
  const ModuleRef module = fixtureModule(kFixture + std::string(".noaranges"));
  checkInlineFrames(symbolizer.resolve(module, fixtureRun().address("inline_ret"), true));
}

BOOST_AUTO_TEST_CASE(resolve_missingModuleWithBuildIdDebugFile_usesDebugPaths) {
  TempDir debugRoot;
  const std::string hex = fixtureRun().text("exe_build_id");
  const fs::path target =
      debugRoot.path() / ".build-id" / hex.substr(0, 2) / (hex.substr(2) + ".debug");
  fs::create_directories(target.parent_path());
  fs::copy_file(kFixture + std::string(".debug"), target);

  SymbolizerOptions options;
  options.debugPaths.push_back(debugRoot.path().string());
  memprof::symbolize::Symbolizer symbolizer(options);
  const ModuleRef gone = fixtureModule("/nonexistent/memprof/fixture_inline");
  checkInlineFrames(symbolizer.resolve(gone, fixtureRun().address("inline_ret"), true));
  const auto stats = statsFor(symbolizer, gone.path);
  BOOST_REQUIRE(stats.has_value());
  BOOST_TEST(stats->missing);
  BOOST_TEST(stats->resolved == 1u);
}

BOOST_AUTO_TEST_CASE(resolve_sysroot_prefixesModulePaths) {
  TempDir sysroot;
  const std::string recorded = "/opt/memprof-fixture/bin/app";
  fs::create_directories(sysroot.path() / "opt/memprof-fixture/bin");
  fs::copy_file(kFixture, sysroot.path() / "opt/memprof-fixture/bin/app");

  SymbolizerOptions options;
  options.sysroot = sysroot.path().string() + "/";
  memprof::symbolize::Symbolizer withSysroot(options);
  checkInlineFrames(
      withSysroot.resolve(fixtureModule(recorded), fixtureRun().address("inline_ret"), true));

  memprof::symbolize::Symbolizer withoutSysroot;
  withoutSysroot.resolve(fixtureModule(recorded), fixtureRun().address("inline_ret"), true);
  const auto stats = statsFor(withoutSysroot, recorded);
  BOOST_REQUIRE(stats.has_value());
  BOOST_TEST(stats->missing);
}
BOOST_AUTO_TEST_SUITE_END()
