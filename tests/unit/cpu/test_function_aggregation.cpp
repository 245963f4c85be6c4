// SPDX-License-Identifier: MIT
/// @brief Unit tests of the per-function aggregation: FunctionAggregator and buildReport's
/// functions.
#define BOOST_TEST_MODULE test_cpu
#include <boost/test/unit_test.hpp>

#include "memprof/aggregate/function_aggregator.h"
#include "memprof/aggregate/heap_replay.h"
#include "memprof/aggregate/report_builder.h"
#include "memprof/symbolize/symbolizer.h"

using memprof::aggregate::FunctionAggregator;
using memprof::model::Counters;
using memprof::model::Frame;

namespace {

Frame frame(const char* function, const char* file, std::uint32_t line,
            const char* module = "/bin/app") {
  return Frame{function, file, line, module, 0, false};
}

Counters samples(std::uint64_t n) {
  Counters c;
  c.samples = n;
  return c;
}

const memprof::model::FunctionEntry* find(const std::vector<memprof::model::FunctionEntry>& v,
                                          const std::string& name) {
  for (const auto& e : v) {
    if (e.function == name) return &e;
  }
  return nullptr;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(FunctionAggregatorTests)

BOOST_AUTO_TEST_CASE(add_recursiveStack_countsTotalOncePerStack) {
  FunctionAggregator agg;
  const auto main = agg.functionOf(frame("main", "/src/a.c", 30));
  const auto fib = agg.functionOf(frame("fib", "/src/a.c", 12));
  const auto fibOther =
      agg.functionOf(frame("fib", "/src/a.c", 10));  // another line, same function
  BOOST_TEST(fib == fibOther);
  // innermost first: fib <- fib <- fib <- main, 7 samples; then main alone, 3 samples
  agg.add({fib, fib, fibOther, main}, samples(7));
  agg.add({main}, samples(3));
  const auto entries = agg.entries();
  BOOST_REQUIRE(entries.size() == 2U);
  BOOST_TEST(entries[0].function == "main");  // most total samples first
  BOOST_TEST(entries[0].self.samples == 3U);
  BOOST_TEST(entries[0].total.samples == 10U);
  BOOST_TEST(entries[1].function == "fib");
  BOOST_TEST(entries[1].self.samples == 7U);
  BOOST_TEST(entries[1].total.samples == 7U);  // not 21: recursion counted once
  BOOST_TEST(entries[1].line == 10U);          // the lowest line seen
  BOOST_TEST(entries[1].file == "/src/a.c");
}

BOOST_AUTO_TEST_CASE(add_memoryFigures_selfAtInnermostTotalAtEveryFunction) {
  FunctionAggregator agg;
  const auto main = agg.functionOf(frame("main", "/src/a.c", 5));
  const auto make = agg.functionOf(frame("make", "/src/b.c", 9));
  Counters c;
  c.allocations = 2;
  c.bytes = 100;
  c.peakBytes = 60;
  c.leakedBytes = 40;
  c.leakedAllocations = 1;
  agg.add({make, main}, c);
  const auto entries = agg.entries();
  const auto* m = find(entries, "make");
  const auto* mn = find(entries, "main");
  BOOST_REQUIRE(m != nullptr);
  BOOST_REQUIRE(mn != nullptr);
  BOOST_TEST(m->self.bytes == 100U);
  BOOST_TEST(m->self.peakBytes == 60U);
  BOOST_TEST(m->self.leakedBytes == 40U);
  BOOST_TEST(mn->self.bytes == 0U);
  BOOST_TEST(mn->total.bytes == 100U);
  BOOST_TEST(mn->total.peakBytes == 60U);
}

BOOST_AUTO_TEST_CASE(functionOf_sameNameOtherFileOrModule_areDistinct) {
  FunctionAggregator agg;
  const auto a = agg.functionOf(frame("helper", "/src/a.c", 1));
  const auto b = agg.functionOf(frame("helper", "/src/b.c", 1));
  const auto libA = agg.functionOf(frame("memcpy", "", 0, "/lib/libc.so.6"));
  const auto libB = agg.functionOf(frame("memcpy", "", 0, "/lib/other.so"));
  const auto inlinedTwice = agg.functionOf(frame("helper", "/src/a.c", 3, "/lib/plugin.so"));
  BOOST_TEST(a != b);
  BOOST_TEST(libA != libB);
  BOOST_TEST(a == inlinedTwice);  // with a file, the module does not split a function
}

BOOST_AUTO_TEST_CASE(entries_functionsWithoutFigures_areLeftOut) {
  FunctionAggregator agg;
  const auto used = agg.functionOf(frame("used", "/src/a.c", 1));
  agg.functionOf(frame("unused", "/src/a.c", 2));
  agg.add({used}, samples(1));
  agg.add({}, samples(5));  // a stack without frames counts nowhere
  const auto entries = agg.entries();
  BOOST_REQUIRE(entries.size() == 1U);
  BOOST_TEST(entries[0].function == "used");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(BuildReportFunctionTests)

/// Nodes with ips outside any module: every frame is unknown and they form one function.
BOOST_AUTO_TEST_CASE(buildReport_samplesAndAllocsOnUnknownFrames_fillFunctionsAndTotals) {
  memprof::aggregate::HeapReplay r;
  r.onStackNode({1, 0, 0x1000, 0});
  r.onStackNode({2, 1, 0x2000, 0});
  r.onSample({10, 2, 0, 3});
  r.onSample({20, 1, 0, 2});
  memprof::reader::HeapEvent e;
  e.timeUs = 5;
  e.ptr = 0x5000;
  e.size = 100;
  e.stack = 2;
  r.onHeapEvent(e);
  r.onSamplerInfo({1000, 990, 0, ""});
  r.finish();
  memprof::symbolize::Symbolizer symbolizer;
  const auto report = memprof::aggregate::buildReport(r, {}, "x.mprof", symbolizer);
  BOOST_TEST(report.totals.cpuSamples == 5U);
  BOOST_TEST(report.totals.sampleHz == 990.0);
  BOOST_REQUIRE(report.functions.size() == 1U);
  const auto& f = report.functions[0];
  BOOST_TEST(f.function.empty());
  BOOST_TEST(f.self.samples == 5U);
  BOOST_TEST(f.total.samples == 5U);  // two frames of one (unknown) function: counted once
  BOOST_TEST(f.total.bytes == 100U);
  BOOST_TEST(f.total.leakedBytes == 100U);
  BOOST_TEST(report.sampler.present);
  BOOST_TEST(report.sampler.requestedHz == 1000U);
  BOOST_TEST(report.warnings.empty());  // 990 of 1000 Hz is fine
}

BOOST_AUTO_TEST_CASE(buildReport_samplerWellBelowRequested_warnsWithNote) {
  memprof::aggregate::HeapReplay r;
  r.onSample({1000, 1, 1, 100});  // enough samples for the achieved rate to mean something
  r.onSamplerInfo({1000, 180, 0, "timer resolution 5 ms"});
  r.finish();
  memprof::symbolize::Symbolizer symbolizer;
  const auto report = memprof::aggregate::buildReport(r, {}, "x.mprof", symbolizer);
  BOOST_REQUIRE(report.warnings.size() == 1U);
  BOOST_TEST(report.warnings[0].find("180 Hz") != std::string::npos);
  BOOST_TEST(report.warnings[0].find("1000 Hz") != std::string::npos);
  BOOST_TEST(report.warnings[0].find("timer resolution 5 ms") != std::string::npos);
  BOOST_TEST(report.sampler.note == "timer resolution 5 ms");
}

BOOST_AUTO_TEST_CASE(buildReport_tooFewSamplesToMeasureRate_noWarning) {
  memprof::aggregate::HeapReplay r;  // a run of under a millisecond of CPU: rate recorded as 0
  r.onSample({100, 1, 1, 1});
  r.onSamplerInfo({1000, 0, 0, ""});
  r.finish();
  memprof::symbolize::Symbolizer symbolizer;
  const auto report = memprof::aggregate::buildReport(r, {}, "x.mprof", symbolizer);
  BOOST_TEST(report.warnings.empty());
}

BOOST_AUTO_TEST_CASE(buildReport_noSamplerInfo_noSamplerAndNoWarning) {
  memprof::aggregate::HeapReplay r;
  r.finish();
  memprof::symbolize::Symbolizer symbolizer;
  const auto report = memprof::aggregate::buildReport(r, {}, "x.mprof", symbolizer);
  BOOST_TEST(!report.sampler.present);
  BOOST_TEST(report.warnings.empty());
  BOOST_TEST(report.functions.empty());
}

BOOST_AUTO_TEST_SUITE_END()
