// SPDX-License-Identifier: MIT
/// @brief Unit tests of the CPU parts of the presenters: function table, JSON "functions",
/// `memprof lines` Hits/Time/% Time and its --file/--function selection.
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "memprof/present/presenters.h"

using memprof::model::FunctionEntry;
using memprof::model::LineEntry;
using memprof::model::Report;

namespace {

memprof::model::Counters counters(std::uint64_t samples, std::uint64_t bytes = 0) {
  memprof::model::Counters c;
  c.samples = samples;
  c.bytes = bytes;
  c.allocations = bytes > 0 ? 1 : 0;
  return c;
}

/// A 6-line source file: main calls burn (line 5), burn loops on line 2.
std::string writeSource(const std::string& name) {
  const auto path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path)
      << "void burn(void) {\n  for (;;) spin();\n}\nint main(void) {\n  burn();\n  return 0;\n}\n";
  return path.string();
}

Report cpuReport(const std::string& file) {
  Report r;
  r.totals.cpuSamples = 100;
  r.totals.sampleHz = 1000;
  r.lines = {LineEntry{file, 2, "burn", counters(80), counters(80)},
             LineEntry{file, 5, "main", counters(10), counters(90, 64)}};
  r.functions = {
      FunctionEntry{"main", file, 4, "/bin/app", counters(10), counters(100, 64)},
      FunctionEntry{"burn", file, 1, "/bin/app", counters(80), counters(80)},
      FunctionEntry{"alloc_only", file, 9, "/bin/app", counters(0, 4096), counters(0, 4096)}};
  return r;
}

std::string lines(const Report& r, const memprof::present::LinesOptions& o) {
  std::ostringstream out;
  memprof::present::writeLinesView(r, o, out);
  return out.str();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(FunctionTableTests)

BOOST_AUTO_TEST_CASE(writeFunctionTable_sortSelf_burnFirstWithSeconds) {
  std::ostringstream out;
  memprof::present::TextReportOptions o;
  o.sort = "self";
  memprof::present::writeFunctionTable(cpuReport("/src/app.c"), o, out);
  const std::string text = out.str();
  const auto burn = text.find("burn (app.c:1)");
  const auto main = text.find("main (app.c:4)");
  BOOST_REQUIRE(burn != std::string::npos);
  BOOST_REQUIRE(main != std::string::npos);
  BOOST_TEST(burn < main);
  BOOST_TEST(text.find("0.080") != std::string::npos);  // 80 samples at 1000 Hz
  BOOST_TEST(text.find("80.0%") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(writeFunctionTable_sortAllocAndTop_limitsRows) {
  std::ostringstream out;
  memprof::present::TextReportOptions o;
  o.sort = "alloc";
  o.top = 1;
  memprof::present::writeFunctionTable(cpuReport("/src/app.c"), o, out);
  BOOST_TEST(out.str().find("alloc_only") != std::string::npos);
  BOOST_TEST(out.str().find("burn (") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(writeJsonReport_functions_extraFieldWithTimes) {
  std::ostringstream out;
  memprof::present::writeJsonReport(cpuReport("/src/app.c"), out);
  const auto doc = nlohmann::json::parse(out.str());
  BOOST_REQUIRE(doc.at("functions").size() == 3U);
  const auto& f = doc.at("functions")[1];
  BOOST_TEST(f.at("function") == "burn");
  BOOST_TEST(f.at("line") == 1);
  BOOST_TEST(f.at("self").at("samples") == 80);
  BOOST_TEST(f.at("total").at("samples") == 80);
  BOOST_TEST(f.at("self_time_s").get<double>() == 0.08, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(doc.at("lines").size() == 2U);  // the contract's fields stay
  BOOST_TEST(doc.at("totals").at("cpu_samples") == 100);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(LinesViewTests)

BOOST_AUTO_TEST_CASE(writeLinesView_percentTime_isShareOfFunctionTotal) {
  const std::string file = writeSource("memprof_cpu_lines_a.c");
  const std::string text = lines(cpuReport(file), {});
  // main's line 5 has 90 of main's 100 samples: 90.0 %, 0.090 s; main (100 inclusive) first.
  BOOST_TEST(text.find("90.0") != std::string::npos, text);
  BOOST_TEST(text.find("0.090s") != std::string::npos, text);
  BOOST_TEST(text.find("Function: main") < text.find("Function: burn"), text);
  BOOST_TEST(text.find("100.0") != std::string::npos, text);  // burn's loop line: 80 of 80
}

BOOST_AUTO_TEST_CASE(writeLinesView_self_usesSelfHitsOverFunctionTotal) {
  const std::string file = writeSource("memprof_cpu_lines_b.c");
  memprof::present::LinesOptions o;
  o.self = true;
  o.function = std::regex("^main$");
  const std::string text = lines(cpuReport(file), o);
  BOOST_TEST(text.find("Function: burn") == std::string::npos, text);
  BOOST_TEST(text.find("10.0") != std::string::npos, text);  // 10 self of 100
}

BOOST_AUTO_TEST_CASE(writeLinesView_self_ordersFunctionsBySelfSamples) {
  const std::string file = writeSource("memprof_cpu_lines_e.c");
  memprof::present::LinesOptions o;
  o.self = true;
  const std::string text = lines(cpuReport(file), o);
  BOOST_TEST(text.find("Function: burn") < text.find("Function: main"), text);
}

BOOST_AUTO_TEST_CASE(writeLinesView_fileFilter_matchesPathSuffixNotSubstring) {
  const std::string file = writeSource("memprof_cpu_lines_c.c");
  const Report r = cpuReport(file);
  memprof::present::LinesOptions o;
  o.file = std::filesystem::path(file).filename().string();
  BOOST_TEST(lines(r, o).find("Function: main") != std::string::npos);
  o.file = "lines_c.c";  // a substring of the name, not a path component
  BOOST_TEST(lines(r, o).find("no source lines match") != std::string::npos);
  o.file = file;
  BOOST_TEST(lines(r, o).find("Function: main") != std::string::npos);
  o.file = std::filesystem::path(file).parent_path().string();  // a directory
  BOOST_TEST(lines(r, o).find("Function: main") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(writeLinesView_functionRegex_anchorsIgnoreCxxParameters) {
  const std::string file = writeSource("memprof_cpu_lines_d.c");
  Report r = cpuReport(file);
  r.lines[0].function = "ns::burn(int) const";
  r.functions[1].function = "ns::burn(int) const";
  memprof::present::LinesOptions o;
  o.function = std::regex("^ns::burn$");
  const std::string text = lines(r, o);
  BOOST_TEST(text.find("Function: ns::burn(int) const") != std::string::npos, text);
  BOOST_TEST(text.find("Function: main") == std::string::npos, text);
}

BOOST_AUTO_TEST_SUITE_END()
