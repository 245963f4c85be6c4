// SPDX-License-Identifier: MIT
/// @brief Symbolization of stack nodes and per-line / per-leak aggregation.
#include "memprof/aggregate/report_builder.h"

#include <algorithm>
#include <map>
#include <unordered_map>

#include "module_index.h"

namespace memprof::aggregate {

namespace {

constexpr std::uint32_t kNoLine = ~0U;

/// Interned frames and source lines; stacks become vectors of small integers.
class FrameTable {
 public:
  FrameTable(const HeapReplay& replay, symbolize::Symbolizer& symbolizer)
      : m_replay(replay), m_symbolizer(symbolizer), m_modules(replay.modules()) {}

  /// Frame ids of one node's address, innermost (inlined) first.
  const std::vector<std::uint32_t>& nodeFrames(std::uint32_t nodeId, bool exactPc) {
    auto& cache = exactPc ? m_exactCache : m_returnCache;
    if (auto it = cache.find(nodeId); it != cache.end()) return it->second;
    std::vector<std::uint32_t> ids;
    if (nodeId < m_replay.nodes().size()) {
      const reader::StackNode& node = m_replay.nodes()[nodeId];
      const reader::Module* module = m_modules.find(node.generation, node.ip);
      std::vector<symbolize::SourceFrame> frames;
      if (module != nullptr) {
        frames = m_symbolizer.resolve(
            symbolize::ModuleRef{module->path, module->buildId, module->base}, node.ip, !exactPc);
      }
      if (frames.empty()) frames.emplace_back();
      for (const auto& f : frames) {
        model::Frame out{f.function, f.file, f.line, module != nullptr ? module->path : "",
                         node.ip, f.inlined};
        ids.push_back(static_cast<std::uint32_t>(m_frames.size()));
        m_lineOf.push_back(lineId(out));
        m_frames.push_back(std::move(out));
      }
    }
    return cache.emplace(nodeId, std::move(ids)).first->second;
  }

  /// All frame ids of the stack ending at @p leaf, innermost first.
  void stackFrames(std::uint32_t leaf, bool exactLeaf, std::vector<std::uint32_t>& out) {
    out.clear();
    bool first = true;
    for (std::uint32_t id = leaf; id != 0 && id < m_replay.nodes().size();
         id = m_replay.nodes()[id].parent) {
      const auto& f = nodeFrames(id, first && exactLeaf);
      out.insert(out.end(), f.begin(), f.end());
      first = false;
      if (out.size() > 100000) break;  // a cycle would be corrupt input; never loop forever
    }
  }

  const model::Frame& frame(std::uint32_t id) const { return m_frames[id]; }
  std::uint32_t lineOf(std::uint32_t frameId) const { return m_lineOf[frameId]; }
  std::size_t lineCount() const { return m_lines.size(); }
  const std::pair<std::string, std::uint32_t>& lineKey(std::uint32_t id) const { return *m_lines[id]; }
  const std::string& lineFunction(std::uint32_t id) const { return m_lineFunction[id]; }

 private:
  std::uint32_t lineId(const model::Frame& f) {
    if (f.file.empty() || f.line == 0) return kNoLine;
    auto [it, inserted] = m_lineIds.try_emplace({f.file, f.line}, static_cast<std::uint32_t>(m_lines.size()));
    if (inserted) {
      m_lines.push_back(&it->first);
      m_lineFunction.push_back(f.function);
    }
    return it->second;
  }

  const HeapReplay& m_replay;
  symbolize::Symbolizer& m_symbolizer;
  ModuleIndex m_modules;
  std::vector<model::Frame> m_frames;
  std::vector<std::uint32_t> m_lineOf;
  std::map<std::pair<std::string, std::uint32_t>, std::uint32_t> m_lineIds;
  std::vector<const std::pair<std::string, std::uint32_t>*> m_lines;
  std::vector<std::string> m_lineFunction;
  std::unordered_map<std::uint32_t, std::vector<std::uint32_t>> m_returnCache;
  std::unordered_map<std::uint32_t, std::vector<std::uint32_t>> m_exactCache;
};

const char* kindName(int kind) {
  switch (kind) {
    case 0: return "definite";
    case 1: return "indirect";
    case 2: return "possible";
    case 3: return "reachable";
    default: return "definite";
  }
}

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

}  // namespace

model::Report buildReport(const HeapReplay& replay, const reader::ReadSummary& summary,
                          const std::string& logPath, symbolize::Symbolizer& symbolizer) {
  model::Report report;
  report.logPath = logPath;
  report.logBytes = summary.fileBytes;
  report.heapEvents = summary.heapEvents;
  report.truncated = summary.truncated;
  report.warnings = summary.warnings;
  fillProgram(replay, report.program);

  FrameTable table(replay, symbolizer);
  std::vector<model::Counters> self;
  std::vector<model::Counters> total;
  std::vector<std::uint64_t> stamp;
  std::uint64_t visit = 0;
  std::vector<std::uint32_t> frames;

  auto attribute = [&](std::uint32_t leaf, bool exactLeaf, const model::Counters& c) {
    table.stackFrames(leaf, exactLeaf, frames);
    self.resize(table.lineCount());
    total.resize(table.lineCount());
    stamp.resize(table.lineCount(), 0);
    if (!frames.empty()) {
      const std::uint32_t line = table.lineOf(frames.front());
      if (line != kNoLine) self[line] += c;
    }
    ++visit;
    for (const std::uint32_t f : frames) {
      const std::uint32_t line = table.lineOf(f);
      if (line == kNoLine || stamp[line] == visit) continue;  // each distinct line once
      stamp[line] = visit;
      total[line] += c;
    }
  };

  const auto& stacks = replay.stacks();
  for (std::uint32_t id = 0; id < stacks.size(); ++id) {
    const StackFigures& s = stacks[id];
    if (s.allocations > 0 || s.liveCount > 0) {
      attribute(id, false,
                model::Counters{s.allocations, s.bytes, s.peakBytes, s.liveBytes, s.liveCount, 0});
    }
    if (s.samples > 0) attribute(id, true, model::Counters{0, 0, 0, 0, 0, s.samples});
  }
  for (std::uint32_t line = 0; line < table.lineCount(); ++line) {
    if (self[line].empty() && total[line].empty()) continue;
    const auto& key = table.lineKey(line);
    report.lines.push_back(
        model::LineEntry{key.first, key.second, table.lineFunction(line), self[line], total[line]});
  }
  std::sort(report.lines.begin(), report.lines.end(), [](const auto& a, const auto& b) {
    return std::tie(a.file, a.line) < std::tie(b.file, b.line);
  });

  // Leaks: one entry per distinct stack (by addresses, across threads) and kind.
  std::map<std::pair<std::vector<std::uint64_t>, int>, std::pair<model::Leak, bool>> leaks;
  for (const auto& [key, group] : replay.leakGroups()) {
    std::vector<std::uint64_t> ips;
    for (std::uint32_t id = key.first; id != 0 && id < replay.nodes().size();
         id = replay.nodes()[id].parent) {
      ips.push_back(replay.nodes()[id].ip);
      if (ips.size() > 100000) break;
    }
    auto& entry = leaks[{ips, key.second}];
    if (!entry.second) {
      table.stackFrames(key.first, false, frames);
      for (const std::uint32_t f : frames) entry.first.stack.push_back(table.frame(f));
      entry.first.kind = kindName(key.second);
      entry.first.kindScanned = key.second >= 0;
      entry.second = true;
    }
    entry.first.bytes += group.bytes;
    entry.first.allocations += group.count;
  }
  for (auto& [key, value] : leaks) report.leaks.push_back(std::move(value.first));
  std::stable_sort(report.leaks.begin(), report.leaks.end(),
                   [](const auto& a, const auto& b) { return a.bytes > b.bytes; });

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
  t.sampleHz = replay.hasSamplerInfo() ? static_cast<double>(replay.samplerInfo().achievedHz) : 0.0;
  report.timeline = replay.timeline().points(replay.endTimeUs());

  for (const auto& m : symbolizer.stats()) {
    report.modules.push_back(
        model::ModuleResolution{m.path, m.resolved, m.unresolved, m.missing, m.buildIdMismatch});
  }
  return report;
}

}  // namespace memprof::aggregate
