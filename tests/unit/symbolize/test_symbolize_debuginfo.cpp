// SPDX-License-Identifier: MIT
/// @brief Symbolizer tests: separate debug info, build-ids, sysroot, debuginfod, corrupt files.
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
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

namespace {

/// Sets MEMPROF_DEBUG_CACHE for one scope (the decompressed-debug cache's directory).
class DebugCacheEnv {
 public:
  explicit DebugCacheEnv(const std::string& value) {
    if (const char* old = std::getenv("MEMPROF_DEBUG_CACHE"); old != nullptr) m_old = old;
    ::setenv("MEMPROF_DEBUG_CACHE", value.c_str(), 1);
  }
  ~DebugCacheEnv() {
    if (m_old) {
      ::setenv("MEMPROF_DEBUG_CACHE", m_old->c_str(), 1);
    } else {
      ::unsetenv("MEMPROF_DEBUG_CACHE");
    }
  }
  DebugCacheEnv(const DebugCacheEnv&) = delete;
  DebugCacheEnv& operator=(const DebugCacheEnv&) = delete;

 private:
  std::optional<std::string> m_old;
};

/// The fixture's zlib-compressed .debug file filed under @p root's .build-id tree.
void fileCompressedDebugByBuildId(const fs::path& root) {
  const std::string hex = fixtureRun().text("exe_build_id");
  const fs::path target = root / ".build-id" / hex.substr(0, 2) / (hex.substr(2) + ".debug");
  fs::create_directories(target.parent_path());
  fs::copy_file(kFixture + std::string(".zlib.debug"), target);
}

/// Resolves the fixture's inline call site through a module whose binary is gone, so only
/// the debug file under @p debugRoot can answer, and checks the frames.
void resolveThroughDebugRoot(const fs::path& debugRoot) {
  SymbolizerOptions options;
  options.debugPaths.push_back(debugRoot.string());
  memprof::symbolize::Symbolizer symbolizer(options);
  checkInlineFrames(symbolizer.resolve(fixtureModule("/nonexistent/memprof/fixture_inline"),
                                       fixtureRun().address("inline_ret"), true));
}

}  // namespace

BOOST_AUTO_TEST_CASE(resolve_compressedDebugFile_keepsADecompressedCopyAndReusesIt) {
  TempDir debugRoot;
  TempDir cache;
  fileCompressedDebugByBuildId(debugRoot.path());
  const fs::path copy = cache.path() / "debug" / (fixtureRun().text("exe_build_id") + ".debug");
  DebugCacheEnv env((cache.path() / "debug").string());

  resolveThroughDebugRoot(debugRoot.path());
  BOOST_REQUIRE(fs::exists(copy));
  const auto decompressedSize = fs::file_size(copy);
  BOOST_TEST(decompressedSize > fs::file_size(kFixture + std::string(".zlib.debug")));
  // Nothing else is left in the cache (the temporary file was renamed into place).
  BOOST_TEST(
      std::distance(fs::directory_iterator(cache.path() / "debug"), fs::directory_iterator{}) == 1);

  // The next analysis opens the copy as it is: not rewritten.
  const auto written = fs::last_write_time(copy);
  resolveThroughDebugRoot(debugRoot.path());
  BOOST_TEST((fs::last_write_time(copy) == written));

  // A damaged copy (a disk error, another tool) is never used: it is made again.
  {
    std::ofstream damage(copy, std::ios::trunc);
    damage << "not an ELF file";
  }
  resolveThroughDebugRoot(debugRoot.path());
  BOOST_TEST(fs::file_size(copy) == decompressedSize);
}

BOOST_AUTO_TEST_CASE(resolve_compressedDebugFile_withCacheOffOrUnwritable_stillResolves) {
  TempDir debugRoot;
  fileCompressedDebugByBuildId(debugRoot.path());
  {
    DebugCacheEnv off("off");
    resolveThroughDebugRoot(debugRoot.path());
  }
  TempDir cache;
  const fs::path file = cache.path() / "not-a-directory";
  { std::ofstream(file) << "x"; }
  DebugCacheEnv unwritable((file / "debug").string());  // a file where a directory must go
  resolveThroughDebugRoot(debugRoot.path());
  BOOST_TEST(fs::is_regular_file(file));
}

BOOST_AUTO_TEST_CASE(resolve_compressedDebugFileByDebuglink_usesTheCopy) {
  TempDir bin;
  TempDir cache;
  // The stripped fixture next to the compressed debug file, under the name its debuglink gives.
  fs::copy_file(kFixture + std::string(".stripped"), bin.path() / "app");
  fs::copy_file(kFixture + std::string(".zlib.debug"),
                bin.path() / fs::path(kFixture + std::string(".debug")).filename());
  DebugCacheEnv env(cache.path().string());
  memprof::symbolize::Symbolizer symbolizer;
  checkInlineFrames(symbolizer.resolve(fixtureModule((bin.path() / "app").string()),
                                       fixtureRun().address("inline_ret"), true));
  BOOST_TEST(fs::exists(cache.path() / (fixtureRun().text("exe_build_id") + ".debug")));
}

BOOST_AUTO_TEST_SUITE_END()
