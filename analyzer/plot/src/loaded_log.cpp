// SPDX-License-Identifier: MIT
/// @brief Log → (Report, HeapReplay), the same pipeline as `memprof report`.
#include "memprof/plot/loaded_log.h"

#include "memprof/aggregate/report_builder.h"

namespace memprof::plot {

LoadedLog loadLog(const std::string& path, symbolize::Symbolizer& symbolizer,
                  std::ostream& warnings) {
  LoadedLog out;
  out.replay = std::make_unique<aggregate::HeapReplay>();
  reader::ReadSummary summary;
  try {
    summary = reader::readLog(path, *out.replay);
  } catch (const reader::LogError& e) {
    throw LogLoadError(path + ": " + e.what());
  }
  out.replay->finish();
  if (summary.truncated) {
    warnings << "memprof: warning: " << path << ": log cut short (" << summary.truncationNote
             << "); analysed up to where it ends\n";
  }
  for (const auto& w : summary.warnings)
    warnings << "memprof: warning: " << path << ": " << w << '\n';
  out.report = aggregate::buildReport(*out.replay, summary, path, symbolizer);
  return out;
}

void rereadLog(const std::string& path, reader::EventSink& sink) {
  try {
    reader::readLog(path, sink);
  } catch (const reader::LogError& e) {
    throw LogLoadError(path + ": " + e.what());
  }
}

}  // namespace memprof::plot
