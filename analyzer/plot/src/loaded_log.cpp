// SPDX-License-Identifier: MIT
/// @brief Log → (Report, HeapReplay), the same pipeline as `memprof report`.
#include "memprof/plot/loaded_log.h"

#include "memprof/aggregate/report_builder.h"
#include "memprof/reader/threaded_sink.h"

namespace memprof::plot {

LoadedLog loadLog(const std::string& path, symbolize::Symbolizer& symbolizer,
                  std::ostream& warnings) {
  LoadedLog out;
  out.replay = std::make_unique<aggregate::HeapReplay>();
  reader::ReadSummary summary;
  try {
    reader::ThreadedSink overlapped(*out.replay);  // read and replay on two threads
    summary = reader::readLog(path, overlapped);
    overlapped.finish();
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
    reader::ThreadedSink overlapped(sink);
    reader::readLog(path, overlapped);
    overlapped.finish();
  } catch (const reader::LogError& e) {
    throw LogLoadError(path + ": " + e.what());
  }
}

}  // namespace memprof::plot
