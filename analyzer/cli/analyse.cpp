// SPDX-License-Identifier: MIT
/// @brief Log → Report pipeline shared by the analysis subcommands.
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>

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

namespace {

/// `MEMPROF_TIMINGS=1` prints each analysis phase's wall time on stderr: where a slow report
/// spends its time, without a profiler (the benchmark's analysis figures are wall times).
class PhaseTimer {
 public:
  PhaseTimer() : m_on(std::getenv("MEMPROF_TIMINGS") != nullptr), m_last(Clock::now()) {}
  void lap(const char* phase) {
    if (!m_on) return;
    const auto now = Clock::now();
    std::cerr << "memprof: timing: " << phase << ' '
              << std::chrono::duration<double>(now - m_last).count() << " s\n";
    m_last = now;
  }

 private:
  using Clock = std::chrono::steady_clock;
  bool m_on;
  Clock::time_point m_last;
};

/// Keeps the last replay alive instead of tearing it down: freeing its hundreds of MB of
/// tables costs a tenth of a big analysis, and the process ends soon after. The next call frees
/// the previous replay, so a command that analyses several logs holds at most one extra.
void retire(std::unique_ptr<aggregate::HeapReplay> replay) {
  static auto* const slot = new std::unique_ptr<aggregate::HeapReplay>();  // never destroyed
  *slot = std::move(replay);
}

}  // namespace

model::Report analyseLog(const std::string& path, std::size_t leakStacks) {
  PhaseTimer timer;
  auto replay = std::make_unique<aggregate::HeapReplay>();
  const reader::ReadSummary summary = replayLog(path, *replay);
  timer.lap("read+replay");
  symbolize::Symbolizer symbolizer;
  model::Report report = aggregate::buildReport(*replay, summary, path, symbolizer, leakStacks);
  timer.lap("symbolize+aggregate");
  retire(std::move(replay));
  // The aggregation's own warnings (the reader's were printed above) go to stderr as well.
  for (std::size_t i = summary.warnings.size(); i < report.warnings.size(); ++i) {
    std::cerr << "memprof: warning: " << path << ": " << report.warnings[i] << '\n';
  }
  return report;
}

}  // namespace memprof::cli
