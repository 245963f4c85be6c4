// SPDX-License-Identifier: MIT
/// @brief Unit tests of --children selection, function span binning and the data export.
#include <boost/test/unit_test.hpp>
#include <sstream>

#include "memprof/plot/data_export.h"
#include "memprof/plot/function_spans.h"
#include "memprof/plot/log_files.h"
#include "memprof/plot/render_target.h"

using memprof::plot::ProcessLog;

namespace {

ProcessLog logOf(const std::string& path, std::uint64_t pid, std::uint64_t ppid, std::uint64_t start) {
  ProcessLog l;
  l.path = path;
  l.process.pid = pid;
  l.process.ppid = ppid;
  l.process.startRealtimeUs = start;
  return l;
}

}  // namespace

BOOST_AUTO_TEST_CASE(children_grandchildren_and_exec_successors) {
  const ProcessLog root = logOf("root", 100, 1, 1000);
  const std::vector<ProcessLog> candidates{
      logOf("grandchild", 102, 101, 1300),  // before its parent in the list
      logOf("child", 101, 100, 1200),
      logOf("execed", 100, 1, 1100),      // same pid after exec
      logOf("stranger", 200, 1, 1200),
      logOf("old-run", 101, 100, 10),     // an older run's log with a reused pid
  };
  const auto tree = memprof::plot::descendants(root, candidates);
  std::vector<std::string> names;
  for (const auto& l : tree) names.push_back(l.path);
  const std::vector<std::string> expected{"root", "execed", "child", "grandchild"};
  BOOST_TEST(names == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(bins_become_spans) {
  const std::vector<bool> on{false, true, true, false, true, false, false, true};
  const auto spans = memprof::plot::binsToSpans(on, 0.5, 10.0);
  BOOST_TEST(spans.size() == 3u);
  BOOST_TEST(spans[0].first == 10.5);
  BOOST_TEST(spans[0].second == 11.5);
  BOOST_TEST(spans[2].second == 14.0);
}

BOOST_AUTO_TEST_CASE(output_kinds) {
  using memprof::plot::OutputKind;
  BOOST_TEST((memprof::plot::outputKindFor("a/b.PNG") == OutputKind::Png));
  BOOST_TEST((memprof::plot::outputKindFor("x.svg") == OutputKind::Svg));
  BOOST_TEST((memprof::plot::outputKindFor("x.txt") == OutputKind::Text));
  BOOST_CHECK_THROW(memprof::plot::outputKindFor("x.pdf"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(json_and_csv_hold_the_series_and_peak) {
  memprof::plot::Figure f;
  f.title = "./app \"quoted\"";
  f.lines.push_back({"heap", memprof::plot::SeriesKind::Heap, 7, {{0, 0}, {1.5, 64}, {2, 0}}});
  f.heapPeak = memprof::plot::PeakMark{1.5, 64, "main (a.c:3)", "peak"};
  std::ostringstream json, csv;
  memprof::plot::writeFigureJson(f, json);
  memprof::plot::writeFigureCsv(f, csv);
  BOOST_TEST(json.str().find("\"bytes\": 64") != std::string::npos);
  BOOST_TEST(json.str().find("\"kind\": \"heap\"") != std::string::npos);
  BOOST_TEST(csv.str().find("heap,1.5,64\n") != std::string::npos);
  BOOST_TEST(csv.str().find("# heap_peak t_s=1.5 bytes=64") != std::string::npos);
}
