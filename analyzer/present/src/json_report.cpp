// SPDX-License-Identifier: MIT
/// @brief The JSON report of the contract, written with nlohmann::json.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "memprof/present/presenters.h"

namespace memprof::present {

namespace {

using nlohmann::json;

json counters(const model::Counters& c) {
  return json{{"allocations", c.allocations},
              {"bytes", c.bytes},
              {"peak_bytes", c.peakBytes},
              {"leaked_bytes", c.leakedBytes},
              {"leaked_allocations", c.leakedAllocations},
              {"samples", c.samples}};
}

std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

json leakJson(const model::Leak& leak) {
  json stack = json::array();
  for (const auto& f : leak.stack) {
    stack.push_back(json{{"function", f.function},
                         {"file", f.file},
                         {"line", f.line},
                         {"module", f.module},
                         {"address", hex(f.address)},
                         {"inlined", f.inlined}});
  }
  return json{{"bytes", leak.bytes},
              {"allocations", leak.allocations},
              {"kind", leak.kind},
              {"stack", std::move(stack)}};
}

}  // namespace

void writeJsonReport(const model::Report& r, std::ostream& out) {
  json program{{"command", r.program.command},
               {"pid", r.program.pid},
               {"ppid", r.program.ppid},
               {"executable", r.program.executable},
               {"exit_code", r.program.exitCode ? json(*r.program.exitCode) : json(nullptr)},
               {"signal", r.program.signal ? json(*r.program.signal) : json(nullptr)},
               {"execed", r.program.execed}};
  const auto& t = r.totals;
  json totals{{"allocations", t.allocations},
              {"frees", t.frees},
              {"bytes_allocated", t.bytesAllocated},
              {"peak_heap_bytes", t.peakHeapBytes},
              {"peak_time_s", t.peakTimeS},
              {"leaked_bytes", t.leakedBytes},
              {"leaked_allocations", t.leakedAllocations},
              {"peak_rss_bytes", t.peakRssBytes},
              {"peak_rss_time_s", t.peakRssTimeS},
              {"duration_s", t.durationS},
              {"cpu_samples", t.cpuSamples},
              {"sample_hz", t.sampleHz}};
  json sampler = nullptr;
  if (r.sampler.present) {
    sampler = json{{"requested_hz", r.sampler.requestedHz},
                   {"achieved_hz", r.sampler.achievedHz},
                   {"clock", r.sampler.wallClock ? "wall" : "cpu"},
                   {"note", r.sampler.note}};
  }
  json modules = json::array();
  for (const auto& m : r.modules) {
    modules.push_back(json{{"path", m.path},
                           {"resolved", m.resolved},
                           {"unresolved", m.unresolved},
                           {"missing", m.missing},
                           {"build_id_mismatch", m.buildIdMismatch}});
  }
  // The document is streamed: the large arrays (lines, functions, leaks with full stacks,
  // timeline) are written one element at a time, so a compiler's report (a million leak frames)
  // does not first become a gigabyte-sized JSON tree in memory.
  out << "{\n \"memprof_format\": 1,\n \"program\": " << program.dump()
      << ",\n \"totals\": " << totals.dump();
  auto array = [&out](const char* name, const auto& items, auto&& toJson) {
    out << ",\n \"" << name << "\": [";
    bool first = true;
    for (const auto& item : items) {
      out << (first ? "\n  " : ",\n  ") << toJson(item).dump();
      first = false;
    }
    out << (first ? "]" : "\n ]");
  };
  array("lines", r.lines, [](const model::LineEntry& l) {
    return json{{"file", l.file},
                {"line", l.line},
                {"function", l.function},
                {"self", counters(l.self)},
                {"total", counters(l.total)}};
  });
  // Extra (not in the contract's minimum): per-function figures, times in seconds when the
  // sampling rate is known.
  array("functions", r.functions, [&t](const model::FunctionEntry& f) {
    json entry{{"function", f.function}, {"file", f.file},           {"line", f.line},
               {"module", f.module},     {"self", counters(f.self)}, {"total", counters(f.total)}};
    if (t.sampleHz > 0) {
      entry["self_time_s"] = static_cast<double>(f.self.samples) / t.sampleHz;
      entry["total_time_s"] = static_cast<double>(f.total.samples) / t.sampleHz;
    }
    return entry;
  });
  array("leaks", r.leaks, [](const model::Leak& leak) { return leakJson(leak); });
  array("timeline", r.timeline, [](const model::TimelinePoint& p) {
    return json{{"t", p.t}, {"heap_bytes", p.heapBytes}, {"rss_bytes", p.rssBytes}};
  });
  out << ",\n \"sampler\": " << sampler.dump() << ",\n \"modules\": " << modules.dump()
      << ",\n \"truncated\": " << (r.truncated ? "true" : "false")
      << ",\n \"warnings\": " << json(r.warnings).dump() << ",\n \"log\": "
      << json{{"path", r.logPath}, {"bytes", r.logBytes}, {"heap_events", r.heapEvents}}.dump()
      << "\n}\n";
}

void writeLeaksJson(const model::Report& r, std::ostream& out) {
  json leaks = json::array();
  for (const auto& leak : r.leaks) leaks.push_back(leakJson(leak));
  json doc{{"memprof_format", 1},
           {"program", json{{"command", r.program.command}, {"pid", r.program.pid}}},
           {"leaked_bytes", r.totals.leakedBytes},
           {"leaked_allocations", r.totals.leakedAllocations},
           {"leaks", std::move(leaks)}};
  out << doc.dump(1) << '\n';
}

}  // namespace memprof::present
