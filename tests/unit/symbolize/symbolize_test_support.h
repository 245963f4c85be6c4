// SPDX-License-Identifier: MIT
/// @brief Shared helpers of the symbolizer tests: running the fixture, markers, temp dirs.
#pragma once

#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "memprof/symbolize/symbolizer.h"

namespace memprof::symbolize::test {

namespace fs = std::filesystem;
// Re-exported so test files can name them after `using namespace ...::test` (Symbolizer itself
// is left out: unqualified it would clash with the Boost test suite of the same name).
using memprof::symbolize::ModuleRef;
using memprof::symbolize::ModuleStats;
using memprof::symbolize::SourceFrame;
using memprof::symbolize::SymbolizerOptions;

constexpr const char* kFixture = MEMPROF_FIXTURE_PATH;
constexpr const char* kFixtureSource = MEMPROF_FIXTURE_SOURCE;

/// The "key value" lines the fixture printed; it runs once per test process.
struct FixtureRun {
  std::map<std::string, std::string> values;

  [[nodiscard]] const std::string& text(const std::string& key) const {
    const auto it = values.find(key);
    if (it == values.end()) throw std::runtime_error("fixture did not print " + key);
    return it->second;
  }
  [[nodiscard]] std::uint64_t address(const std::string& key) const {
    return std::stoull(text(key), nullptr, 16);
  }
  [[nodiscard]] std::string buildId() const {  // raw bytes, as the preload library records it
    const std::string& hex = text("exe_build_id");
    std::string raw;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
      raw.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    }
    return raw;
  }
};

inline const FixtureRun& fixtureRun() {
  static const FixtureRun run = [] {
    FixtureRun r;
    const std::string command = std::string("'") + kFixture + "'";
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) throw std::runtime_error("cannot run fixture");
    char line[4096];
    while (std::fgets(line, sizeof line, pipe) != nullptr) {
      std::string s(line);
      while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
      const auto space = s.find(' ');
      if (space != std::string::npos) r.values[s.substr(0, space)] = s.substr(space + 1);
    }
    if (::pclose(pipe) != 0) throw std::runtime_error("fixture failed");
    return r;
  }();
  return run;
}

/// 1-based line of the fixture source carrying "// @marker".
inline std::uint32_t markerLine(const std::string& marker) {
  std::ifstream in(kFixtureSource);
  std::string line;
  for (std::uint32_t number = 1; std::getline(in, line); ++number) {
    if (line.find("// " + marker) != std::string::npos) return number;
  }
  throw std::runtime_error("marker not found: " + marker);
}

inline ModuleRef fixtureModule(std::string path = kFixture) {
  return ModuleRef{std::move(path), fixtureRun().buildId(), fixtureRun().address("exe_base")};
}

inline std::string baseName(const std::string& path) { return fs::path(path).filename().string(); }

inline std::optional<ModuleStats> statsFor(const Symbolizer& symbolizer, const std::string& path) {
  for (const ModuleStats& s : symbolizer.stats()) {
    if (s.path == path) return s;
  }
  return std::nullopt;
}

/// The frames every variant of the fixture file must give for the inlined capture call.
inline void checkInlineFrames(const std::vector<SourceFrame>& frames) {
  BOOST_REQUIRE_EQUAL(frames.size(), 2u);
  BOOST_TEST(frames[0].function.find("inlineHelper") != std::string::npos, frames[0].function);
  BOOST_TEST(baseName(frames[0].file) == "fixture_inline.cpp");
  BOOST_TEST(frames[0].line == markerLine("@capture-in-helper"));
  BOOST_TEST(frames[0].inlined);
  BOOST_TEST(frames[1].function.find("outerFunction") != std::string::npos, frames[1].function);
  BOOST_TEST(baseName(frames[1].file) == "fixture_inline.cpp");
  BOOST_TEST(frames[1].line == markerLine("@inline-call"));
  BOOST_TEST(!frames[1].inlined);
}

/// A scratch directory removed at scope exit.
class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    m_path = fs::temp_directory_path() /
             ("memprof-symbolize-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    fs::create_directories(m_path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(m_path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const fs::path& path() const { return m_path; }

 private:
  fs::path m_path;
};

}  // namespace memprof::symbolize::test
