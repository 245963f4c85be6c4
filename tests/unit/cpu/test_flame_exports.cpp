// SPDX-License-Identifier: MIT
/// @brief Unit tests of the stack profiles and their exporters (folded stacks, speedscope JSON).
#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>
#include <sstream>

#include "memprof/aggregate/heap_replay.h"
#include "memprof/aggregate/stack_profile_builder.h"
#include "memprof/present/presenters.h"
#include "memprof/symbolize/symbolizer.h"

using memprof::model::Frame;
using memprof::model::ProfileKind;
using memprof::model::StackProfile;
using nlohmann::json;

namespace {

/// main (a.c:10) -> work (a.c:20) 7 samples; main (a.c:11) alone 3 samples.
StackProfile cpuProfile() {
  StackProfile p;
  p.kind = ProfileKind::Cpu;
  p.sampleHz = 100;
  p.programName = "app";
  p.frames = {Frame{"main", "/src/a.c", 10, "/bin/app", 0, false},
              Frame{"work", "/src/a.c", 20, "/bin/app", 0, false},
              Frame{"main", "/src/a.c", 11, "/bin/app", 0, false},
              Frame{"", "", 0, "/lib/libc.so.6", 0, false}};
  p.stacks = {{{0, 1}, 7}, {{2}, 3}, {{0, 1, 3}, 1}};
  return p;
}

std::string folded(const StackProfile& p) {
  std::ostringstream out;
  memprof::present::writeFolded(p, out);
  return out.str();
}

json speedscope(const std::vector<StackProfile>& profiles) {
  std::ostringstream out;
  memprof::present::writeSpeedscope(profiles, out);
  return json::parse(out.str());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(FoldedTests)

BOOST_AUTO_TEST_CASE(writeFolded_namedFrames_rootFirstWithWeights) {
  BOOST_TEST(folded(cpuProfile()) ==
             "main (a.c:10);work (a.c:20) 7\n"
             "main (a.c:10);work (a.c:20);[libc.so.6] 1\n"
             "main (a.c:11) 3\n");
}

BOOST_AUTO_TEST_CASE(writeFolded_separatorInName_isReplaced) {
  StackProfile p;
  p.frames = {Frame{"odd;name\nhere", "", 0, "", 0, false}};
  p.stacks = {{{0}, 5}};
  BOOST_TEST(folded(p) == "odd:name here 5\n");
}

BOOST_AUTO_TEST_CASE(frameLabel_variants) {
  using memprof::present::frameLabel;
  BOOST_TEST(frameLabel(Frame{"f", "/x/y.c", 3, "", 0, false}) == "f (y.c:3)");
  BOOST_TEST(frameLabel(Frame{"f", "", 0, "/lib/l.so", 0, false}) == "f");
  BOOST_TEST(frameLabel(Frame{"", "", 0, "/lib/l.so", 0, false}) == "[l.so]");
  BOOST_TEST(frameLabel(Frame{}) == "[unknown]");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(SpeedscopeTests)

BOOST_AUTO_TEST_CASE(writeSpeedscope_cpuProfile_hasSchemaFieldsAndSeconds) {
  const json doc = speedscope({cpuProfile()});
  BOOST_TEST(doc.at("$schema") == "https://www.speedscope.app/file-format-schema.json");
  const json& frames = doc.at("shared").at("frames");
  BOOST_REQUIRE(frames.size() == 4U);
  for (const auto& f : frames) BOOST_TEST(f.at("name").is_string());
  BOOST_TEST(frames[1].at("name") == "work (a.c:20)");
  BOOST_TEST(frames[1].at("file") == "/src/a.c");
  BOOST_TEST(frames[1].at("line") == 20);
  BOOST_TEST(!frames[3].contains("file"));
  BOOST_REQUIRE(doc.at("profiles").size() == 1U);
  const json& p = doc.at("profiles")[0];
  for (const char* key : {"type", "name", "unit", "startValue", "endValue", "samples", "weights"}) {
    BOOST_TEST(p.contains(key), key);
  }
  BOOST_TEST(p.at("type") == "sampled");
  BOOST_TEST(p.at("unit") == "seconds");
  BOOST_REQUIRE(p.at("samples").size() == p.at("weights").size());
  double sum = 0;
  for (const auto& w : p.at("weights")) sum += w.get<double>();
  BOOST_TEST(sum == 0.11, boost::test_tools::tolerance(1e-9));  // 11 samples at 100 Hz
  BOOST_TEST(p.at("endValue").get<double>() == 0.11, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(p.at("samples")[0] == json({0, 1}));  // root first
}

BOOST_AUTO_TEST_CASE(writeSpeedscope_twoKinds_shareFramesAndUseBytes) {
  StackProfile alloc = cpuProfile();
  alloc.kind = ProfileKind::Alloc;
  alloc.frames = {Frame{"work", "/src/a.c", 20, "/bin/app", 0, false},
                  Frame{"main", "/src/a.c", 10, "/bin/app", 0, false}};
  alloc.stacks = {{{1, 0}, 4096}};
  StackProfile cpu = cpuProfile();
  cpu.sampleHz = 0;  // unknown rate: plain sample counts
  const json doc = speedscope({cpu, alloc});
  BOOST_TEST(doc.at("shared").at("frames").size() == 4U);  // work and main shared
  const json& a = doc.at("profiles")[1];
  BOOST_TEST(a.at("unit") == "bytes");
  BOOST_TEST(a.at("endValue") == 4096);
  BOOST_TEST(a.at("samples")[0] == json({0, 1}));  // main, work in the shared table
  BOOST_TEST(doc.at("profiles")[0].at("unit") == "none");
  BOOST_TEST(doc.at("profiles")[0].at("endValue") == 11);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(StackProfileBuilderTests)

BOOST_AUTO_TEST_CASE(buildStackProfiles_unknownFrames_mergeStacksPerKind) {
  memprof::aggregate::HeapReplay r;
  r.onStackNode({1, 0, 0x1000, 0});
  r.onStackNode({2, 1, 0x2000, 0});
  r.onStackNode({3, 1, 0x3000, 0});
  r.onSample({10, 2, 0, 3});
  r.onSample({11, 3, 0, 4});  // same depth, other ip: the same symbolized stack
  r.onSample({12, 1, 0, 2});
  memprof::reader::HeapEvent e;
  e.ptr = 0x5000;
  e.size = 100;
  e.stack = 2;
  r.onHeapEvent(e);
  e.ptr = 0x6000;
  e.size = 50;
  r.onHeapEvent(e);
  e.kind = memprof::reader::HeapEventKind::Free;
  r.onHeapEvent(e);
  r.finish();
  memprof::symbolize::Symbolizer symbolizer;
  const auto profiles = memprof::aggregate::buildStackProfiles(
      r, symbolizer,
      {ProfileKind::Cpu, ProfileKind::Alloc, ProfileKind::Peak, ProfileKind::Leaked});
  BOOST_REQUIRE(profiles.size() == 4U);
  BOOST_TEST(folded(profiles[0]) == "[unknown] 2\n[unknown];[unknown] 7\n");
  BOOST_TEST(folded(profiles[1]) == "[unknown];[unknown] 150\n");
  BOOST_TEST(folded(profiles[2]) == "[unknown];[unknown] 150\n");  // both live at the peak
  BOOST_TEST(folded(profiles[3]) == "[unknown];[unknown] 100\n");
  BOOST_TEST(profiles[0].frames.size() == 1U);
}

BOOST_AUTO_TEST_CASE(buildStackProfiles_sampleWithoutStack_keepsItsWeight) {
  memprof::aggregate::HeapReplay r;
  r.onSample({10, 0, 0, 5});
  r.finish();
  memprof::symbolize::Symbolizer symbolizer;
  const auto profiles = memprof::aggregate::buildStackProfiles(r, symbolizer, {ProfileKind::Cpu});
  BOOST_TEST(folded(profiles.at(0)) == "[unknown] 5\n");
}

BOOST_AUTO_TEST_SUITE_END()
