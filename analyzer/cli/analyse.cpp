// SPDX-License-Identifier: MIT
/// @brief Log → Report pipeline shared by the analysis subcommands.
#include <iostream>

#include "commands.h"
#include "memprof/aggregate/heap_replay.h"
#include "memprof/aggregate/report_builder.h"
#include "memprof/reader/log_reader.h"
#include "memprof/reader/threaded_sink.h"
#include "memprof/symbolize/symbolizer.h"

namespace memprof::cli {

reader::ReadSummary replayLog(const std::string& path, aggregate::HeapReplay& replay) {
  reader::ReadSummary summary;
  try {
    // Reading and replaying overlap on two threads: each is about half of the work.
    reader::ThreadedSink overlapped(replay);
    summary = reader::readLog(path, overlapped);
    overlapped.finish();
  } catch (const reader::LogError& e) {
    throw AnalysisError(path + ": " + e.what());
  }
  replay.finish();
  if (summary.truncated) {
    std::cerr << "memprof: warning: " << path << ": log cut short (" << summary.truncationNote
              << "); analysed up to where it ends\n";
  }
  for (const auto& w : summary.warnings)
    std::cerr << "memprof: warning: " << path << ": " << w << '\n';
  return summary;
}

model::Report analyseLog(const std::string& path) {
  aggregate::HeapReplay replay;
  const reader::ReadSummary summary = replayLog(path, replay);
  symbolize::Symbolizer symbolizer;
  model::Report report = aggregate::buildReport(replay, summary, path, symbolizer);
  // The aggregation's own warnings (the reader's were printed above) go to stderr as well.
  for (std::size_t i = summary.warnings.size(); i < report.warnings.size(); ++i) {
    std::cerr << "memprof: warning: " << path << ": " << report.warnings[i] << '\n';
  }
  return report;
}

}  // namespace memprof::cli
