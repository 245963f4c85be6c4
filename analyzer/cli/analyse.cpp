// SPDX-License-Identifier: MIT
/// @brief Log → Report pipeline shared by the analysis subcommands.
#include <iostream>

#include "commands.h"
#include "memprof/aggregate/heap_replay.h"
#include "memprof/aggregate/report_builder.h"
#include "memprof/reader/log_reader.h"
#include "memprof/symbolize/symbolizer.h"

namespace memprof::cli {

model::Report analyseLog(const std::string& path) {
  aggregate::HeapReplay replay;
  reader::ReadSummary summary;
  try {
    summary = reader::readLog(path, replay);
  } catch (const reader::LogError& e) {
    throw AnalysisError(path + ": " + e.what());
  }
  replay.finish();
  if (summary.truncated) {
    std::cerr << "memprof: warning: " << path << ": log cut short (" << summary.truncationNote
              << "); analysed up to where it ends\n";
  }
  for (const auto& w : summary.warnings) std::cerr << "memprof: warning: " << path << ": " << w << '\n';
  symbolize::Symbolizer symbolizer;
  return aggregate::buildReport(replay, summary, path, symbolizer);
}

}  // namespace memprof::cli
