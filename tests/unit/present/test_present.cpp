// SPDX-License-Identifier: MIT
/// @brief Unit tests of memprof_present: size parsing/formatting and the contract's JSON report.
#define BOOST_TEST_MODULE test_present
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>

#include "memprof/model/report.h"
#include "memprof/present/presenters.h"

using memprof::present::humanBytes;
using memprof::present::parseSize;
using nlohmann::json;

namespace {

memprof::model::Report sampleReport() {
  memprof::model::Report r;
  r.program.command = {"./app", "arg"};
  r.program.executable = "/src/app";
  r.program.pid = 1234;
  r.program.exitCode = 0;
  r.totals.allocations = 10;
  r.totals.frees = 7;
  r.totals.bytesAllocated = 4096;
  r.totals.peakHeapBytes = 3000;
  r.totals.peakTimeS = 0.25;
  r.totals.leakedBytes = 300;
  r.totals.leakedAllocations = 3;
  r.totals.peakRssBytes = 1 << 20;
  r.totals.durationS = 1.5;
  r.totals.cpuSamples = 42;
  r.totals.sampleHz = 997;
  memprof::model::LineEntry line;
  line.file = "/src/app.c";
  line.line = 12;
  line.function = "main";
  line.self = {4, 1000, 500, 100, 1, 3};
  line.total = {10, 4096, 3000, 300, 3, 42};
  r.lines.push_back(line);
  memprof::model::Leak leak;
  leak.bytes = 300;
  leak.allocations = 3;
  leak.kind = "definite";
  leak.stack.push_back({"make_buffer", "/src/buf.c", 7, "/src/app", 0x401136, true});
  leak.stack.push_back({"main", "/src/app.c", 12, "/src/app", 0x401200, false});
  r.leaks.push_back(leak);
  r.timeline.push_back({0.0, 0, 0});
  r.timeline.push_back({0.25, 3000, 1 << 20});
  r.timeline.push_back({1.5, 300, 1 << 19});
  return r;
}

json renderJson(const memprof::model::Report& r) {
  std::ostringstream out;
  memprof::present::writeJsonReport(r, out);
  json doc;
  BOOST_REQUIRE_NO_THROW(doc = json::parse(out.str()));
  return doc;
}

void requireCounters(const json& c) {
  for (const char* key :
       {"allocations", "bytes", "peak_bytes", "leaked_bytes", "leaked_allocations", "samples"}) {
    BOOST_TEST(c.contains(key), "counters lack " << key);
    if (c.contains(key)) BOOST_TEST(c[key].is_number_unsigned(), key);
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ParseSize)

BOOST_AUTO_TEST_CASE(parseSize_contractExamples_usePowersOf1024) {
  BOOST_TEST(parseSize("512K") == 524288U);
  BOOST_TEST(parseSize("64M") == 67108864U);
  BOOST_TEST(parseSize("1.5G") == 1610612736U);
  BOOST_TEST(parseSize("100") == 100U);
}

BOOST_AUTO_TEST_CASE(parseSize_otherSpellings_areAccepted) {
  BOOST_TEST(parseSize("0") == 0U);
  BOOST_TEST(parseSize("1k") == 1024U);
  BOOST_TEST(parseSize("2KB") == 2048U);
  BOOST_TEST(parseSize("2KiB") == 2048U);
  BOOST_TEST(parseSize("3Mi") == 3U * 1024 * 1024);
  BOOST_TEST(parseSize("1T") == 1ULL << 40);
  BOOST_TEST(parseSize("10B") == 10U);
}

BOOST_AUTO_TEST_CASE(parseSize_invalidText_throwsInvalidArgument) {
  for (const char* text :
       {"", "abc", "M", "12X", "-5M", "5 M", "1.5.5G", "64MM", "inf", "nan", "1e400"}) {
    BOOST_CHECK_THROW(parseSize(text), std::invalid_argument);
  }
}

// A size beyond 2^64 bytes cannot be represented; it must be refused, not wrapped.
BOOST_AUTO_TEST_CASE(parseSize_beyond64Bits_throwsInvalidArgument) {
  BOOST_CHECK_THROW(parseSize("17179869184G"), std::invalid_argument);  // 2^64
  BOOST_CHECK_THROW(parseSize("1e30"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(parseSize_errorMessage_quotesInput) {
  try {
    parseSize("12X");
    BOOST_ERROR("no exception");
  } catch (const std::invalid_argument& e) {
    BOOST_TEST(std::string(e.what()).find("12X") != std::string::npos, e.what());
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(HumanBytes)

BOOST_AUTO_TEST_CASE(humanBytes_values_useBinaryUnits) {
  BOOST_TEST(humanBytes(0) == "0 B");
  BOOST_TEST(humanBytes(1023) == "1023 B");
  BOOST_TEST(humanBytes(1024) == "1.0 KiB");
  BOOST_TEST(humanBytes(1536) == "1.5 KiB");
  BOOST_TEST(humanBytes(1048576) == "1.0 MiB");
  BOOST_TEST(humanBytes(1610612736) == "1.5 GiB");
  BOOST_TEST(humanBytes(1ULL << 40) == "1.0 TiB");
  const std::string huge = humanBytes(std::numeric_limits<std::uint64_t>::max());
  BOOST_TEST(huge.substr(huge.size() - 3) == "TiB", huge);
}

BOOST_AUTO_TEST_CASE(humanBytes_parseSize_roundTripForWholeUnits) {
  BOOST_TEST(parseSize("64M") == 64ULL << 20);
  BOOST_TEST(humanBytes(parseSize("64M")) == "64.0 MiB");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(JsonReport)

BOOST_AUTO_TEST_CASE(writeJsonReport_sampleReport_hasEveryContractField) {
  const json doc = renderJson(sampleReport());
  BOOST_TEST(doc.is_object());
  BOOST_TEST(doc.at("memprof_format") == 1);

  const json& program = doc.at("program");
  BOOST_TEST(program.at("command") == json({"./app", "arg"}));
  BOOST_TEST(program.at("pid") == 1234);
  BOOST_TEST(program.at("exit_code") == 0);
  BOOST_TEST(program.contains("signal"));
  BOOST_TEST(program.at("signal").is_null());

  const json& totals = doc.at("totals");
  for (const char* key : {"allocations", "frees", "bytes_allocated", "peak_heap_bytes",
                          "leaked_bytes", "leaked_allocations", "peak_rss_bytes", "cpu_samples"}) {
    BOOST_TEST(totals.contains(key), "totals lack " << key);
    if (totals.contains(key)) BOOST_TEST(totals[key].is_number_unsigned(), key);
  }
  for (const char* key : {"peak_time_s", "duration_s", "sample_hz"}) {
    BOOST_TEST(totals.contains(key), "totals lack " << key);
    if (totals.contains(key)) BOOST_TEST(totals[key].is_number(), key);
  }
  BOOST_TEST(totals.at("allocations") == 10);
  BOOST_TEST(totals.at("frees") == 7);
  BOOST_TEST(totals.at("bytes_allocated") == 4096);
  BOOST_TEST(totals.at("peak_heap_bytes") == 3000);
  BOOST_TEST(totals.at("peak_time_s").get<double>() == 0.25);
  BOOST_TEST(totals.at("leaked_bytes") == 300);
  BOOST_TEST(totals.at("leaked_allocations") == 3);
  BOOST_TEST(totals.at("peak_rss_bytes") == 1 << 20);
  BOOST_TEST(totals.at("duration_s").get<double>() == 1.5);
  BOOST_TEST(totals.at("cpu_samples") == 42);
  BOOST_TEST(totals.at("sample_hz").get<double>() == 997.0);

  BOOST_REQUIRE(doc.at("lines").is_array());
  BOOST_REQUIRE(doc.at("lines").size() == 1U);
  const json& line = doc.at("lines")[0];
  BOOST_TEST(line.at("file") == "/src/app.c");
  BOOST_TEST(line.at("line") == 12);
  BOOST_TEST(line.at("function") == "main");
  requireCounters(line.at("self"));
  requireCounters(line.at("total"));
  BOOST_TEST(line.at("self").at("allocations") == 4);
  BOOST_TEST(line.at("self").at("peak_bytes") == 500);
  BOOST_TEST(line.at("self").at("samples") == 3);
  BOOST_TEST(line.at("total").at("bytes") == 4096);
  BOOST_TEST(line.at("total").at("leaked_allocations") == 3);

  BOOST_REQUIRE(doc.at("leaks").size() == 1U);
  const json& leak = doc.at("leaks")[0];
  BOOST_TEST(leak.at("bytes") == 300);
  BOOST_TEST(leak.at("allocations") == 3);
  BOOST_TEST(leak.at("kind") == "definite");
  BOOST_REQUIRE(leak.at("stack").size() == 2U);
  const json& f0 = leak.at("stack")[0];
  BOOST_TEST(f0.at("function") == "make_buffer");
  BOOST_TEST(f0.at("file") == "/src/buf.c");
  BOOST_TEST(f0.at("line") == 7);
  BOOST_TEST(f0.at("module") == "/src/app");
  BOOST_TEST(f0.at("address") == "0x401136");
  BOOST_TEST(leak.at("stack")[1].at("address") == "0x401200");

  const json& timeline = doc.at("timeline");
  BOOST_REQUIRE(timeline.size() == 3U);
  for (const auto& p : timeline) {
    BOOST_TEST(p.contains("t"));
    BOOST_TEST(p.contains("heap_bytes"));
    BOOST_TEST(p.contains("rss_bytes"));
  }
  BOOST_TEST(timeline[1].at("t").get<double>() == 0.25);
  BOOST_TEST(timeline[1].at("heap_bytes") == 3000);
  BOOST_TEST(timeline[1].at("rss_bytes") == 1 << 20);
}

BOOST_AUTO_TEST_CASE(writeJsonReport_onlySignalSet_exitCodeIsNull) {
  auto r = sampleReport();
  r.program.exitCode.reset();
  r.program.signal = 9;
  const json doc = renderJson(r);
  BOOST_TEST(doc.at("program").contains("exit_code"));
  BOOST_TEST(doc.at("program").at("exit_code").is_null());
  BOOST_TEST(doc.at("program").at("signal") == 9);
}

BOOST_AUTO_TEST_CASE(writeJsonReport_emptyReport_isValidWithEmptyArrays) {
  const json doc = renderJson(memprof::model::Report{});
  BOOST_TEST(doc.at("memprof_format") == 1);
  BOOST_TEST(doc.at("program").at("command").is_array());
  BOOST_TEST(doc.at("program").at("exit_code").is_null());
  BOOST_TEST(doc.at("program").at("signal").is_null());
  BOOST_TEST(doc.at("lines").is_array());
  BOOST_TEST(doc.at("lines").empty());
  BOOST_TEST(doc.at("leaks").is_array());
  BOOST_TEST(doc.at("timeline").is_array());
}

BOOST_AUTO_TEST_CASE(writeJsonReport_stringsNeedingEscapes_stayValidJson) {
  auto r = sampleReport();
  r.program.command = {"./app", "quote\" backslash\\ newline\n tab\t"};
  r.leaks[0].stack.mutableFrame(0).function = "operator<<(std::ostream&, \"x\")";
  const json doc = renderJson(r);
  BOOST_TEST(doc.at("program").at("command")[1] == "quote\" backslash\\ newline\n tab\t");
  BOOST_TEST(doc.at("leaks")[0].at("stack")[0].at("function") ==
             "operator<<(std::ostream&, \"x\")");
}

BOOST_AUTO_TEST_CASE(writeLeaksJson_sampleReport_carriesKindAndFrames) {
  std::ostringstream out;
  memprof::present::writeLeaksJson(sampleReport(), out);
  json doc;
  BOOST_REQUIRE_NO_THROW(doc = json::parse(out.str()));
  BOOST_TEST(doc.at("memprof_format") == 1);
  BOOST_REQUIRE(doc.at("leaks").size() == 1U);
  BOOST_TEST(doc.at("leaks")[0].at("kind") == "definite");
  BOOST_TEST(doc.at("leaks")[0].at("stack")[1].at("function") == "main");
}

BOOST_AUTO_TEST_CASE(textPresenters_sampleReport_mentionFigures) {
  std::ostringstream text;
  memprof::present::writeTextReport(sampleReport(), {}, text);
  BOOST_TEST(!text.str().empty());
  std::ostringstream leaks;
  memprof::present::writeLeaksText(sampleReport(), leaks);
  BOOST_TEST(leaks.str().find("make_buffer") != std::string::npos, leaks.str());
}

BOOST_AUTO_TEST_SUITE_END()
