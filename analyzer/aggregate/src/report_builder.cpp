// SPDX-License-Identifier: MIT
/// @brief Per-line, per-function and per-leak aggregation of symbolized stacks into a Report.
#include "memprof/aggregate/report_builder.h"

#include <algorithm>
#include <future>
#include <vector>

#include "frame_table.h"
#include "leak_stacks.h"
#include "line_attribution.h"
#include "memprof/aggregate/function_aggregator.h"
#include "sample_rate.h"

namespace memprof::aggregate {

namespace {

void fillProgram(const HeapReplay& replay, model::Program& program) {
  const auto& p = replay.process();
  program.command = p.argv;
  program.executable = p.exe;
  program.pid = p.pid;
  program.ppid = p.ppid;
  program.startRealtimeUs = p.startRealtimeUs;
  if (!replay.exits().empty()) {
    const auto& e = replay.exits().back();
    if (e.kind == format::ExitKind::Exited) program.exitCode = static_cast<int>(e.value);
    if (e.kind == format::ExitKind::Signaled) program.signal = static_cast<int>(e.value);
    if (e.kind == format::ExitKind::Exec) program.execed = true;
  }
}

/// Records what the sampler said and warns when it fell well short of the requested rate
/// (time per line is then still right in proportion, but coarser than asked for).
void fillSampler(const HeapReplay& replay, model::Report& report) {
  if (!replay.hasSamplerInfo()) return;
  const reader::SamplerInfo& info = replay.samplerInfo();
  report.sampler =
      model::Sampler{true, info.requestedHz, info.achievedHz, info.clock == 1, info.note};
  // A run with under ~50 ms of CPU time gets few samples and no meaningful rate: no warning.
  if (info.requestedHz > 0 && 2 * info.achievedHz < info.requestedHz &&
      replay.cpuSamples() * 20 >= info.requestedHz) {
    std::string w = "CPU sampler achieved " + std::to_string(info.achievedHz) + " Hz of the " +
                    std::to_string(info.requestedHz) + " Hz requested";
    if (!info.note.empty()) w += " (" + info.note + ")";
    report.warnings.push_back(std::move(w));
  }
}

}  // namespace

model::Report buildReport(const HeapReplay& replay, const reader::ReadSummary& summary,
                          const std::string& logPath, symbolize::Symbolizer& symbolizer,
                          std::size_t leakStacks) {
  model::Report report;
  report.logPath = logPath;
  report.logBytes = summary.fileBytes;
  report.heapEvents = summary.heapEvents;
  report.truncated = summary.truncated;
  report.warnings = summary.warnings;
  fillProgram(replay, report.program);

  // Leak grouping reads only the replay: it runs on the second core while this one
  // symbolizes and attributes (a compiler's log has tens of thousands of leak stacks).
  std::future<std::vector<LeakStack>> leakStacksFuture =
      std::async(std::launch::async, [&replay] { return groupLeakStacks(replay); });
  FrameTable table(replay, symbolizer);
  FunctionAggregator functions;
  LineAttribution attribution(replay, table, functions);
  replay.stacks().forEach([&](std::uint32_t id, const StackFigures& s) {
    if (s.allocations > 0 || s.liveCount > 0) {
      attribution.add(
          id, false,
          model::Counters{s.allocations, s.bytes, s.peakBytes, s.liveBytes, s.liveCount, 0});
    }
    if (s.samples > 0) attribution.add(id, true, model::Counters{0, 0, 0, 0, 0, s.samples});
  });
  attribution.finish();
  for (std::uint32_t line = 0; line < table.lineCount(); ++line) {
    const model::Counters& self = attribution.self(line);
    const model::Counters& total = attribution.total(line);
    if (self.empty() && total.empty()) continue;
    const auto& key = table.lineKey(line);
    report.lines.push_back(
        model::LineEntry{key.first, key.second, table.lineFunction(line), self, total});
  }
  std::sort(report.lines.begin(), report.lines.end(), [](const auto& a, const auto& b) {
    return std::tie(a.file, a.line) < std::tie(b.file, b.line);
  });
  report.functions = functions.entries();

  report.leaks = leaksOf(leakStacksFuture.get(), table, leakStacks);

  model::Totals& t = report.totals;
  t.allocations = replay.allocations();
  t.frees = replay.frees();
  t.bytesAllocated = replay.bytesAllocated();
  t.peakHeapBytes = replay.peakHeap();
  t.peakTimeS = static_cast<double>(replay.peakTimeUs()) / 1e6;
  t.leakedBytes = replay.leakedBytes();
  t.leakedAllocations = replay.leakedCount();
  t.peakRssBytes = replay.peakRss();
  t.peakRssTimeS = static_cast<double>(replay.peakRssTimeUs()) / 1e6;
  t.durationS = static_cast<double>(replay.endTimeUs()) / 1e6;
  t.cpuSamples = replay.cpuSamples();
  t.sampleHz = effectiveSampleHz(replay);
  fillSampler(replay, report);
  report.timeline = replay.timeline().points(replay.endTimeUs());

  for (const auto& m : symbolizer.stats()) {
    report.modules.push_back(
        model::ModuleResolution{m.path, m.resolved, m.unresolved, m.missing, m.buildIdMismatch});
  }
  return report;
}

}  // namespace memprof::aggregate
