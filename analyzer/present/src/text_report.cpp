// SPDX-License-Identifier: MIT
/// @brief `memprof report` text output: summary, hottest lines, biggest leaks.
#include <algorithm>
#include <cstdio>
#include <string>

#include "memprof/present/presenters.h"

namespace memprof::present {

namespace {

std::string seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f s", s);
  return buf;
}

std::string shortFile(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string joinCommand(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) s += (s.empty() ? "" : " ") + a;
  return s;
}

}  // namespace

void writeTextReport(const model::Report& r, const TextReportOptions& options, std::ostream& out) {
  const auto& t = r.totals;
  out << "memprof report: " << r.logPath << '\n';
  out << "  command:     " << joinCommand(r.program.command) << "  (pid " << r.program.pid << ")\n";
  out << "  ended:       ";
  if (r.program.exitCode)
    out << "exit code " << *r.program.exitCode;
  else if (r.program.signal)
    out << "killed by signal " << *r.program.signal;
  else if (r.program.execed)
    out << "replaced by exec";
  else
    out << "unknown (log cut short)";
  out << " after " << seconds(t.durationS) << '\n';
  out << "  allocations: " << t.allocations << " (" << humanBytes(t.bytesAllocated)
      << "), frees: " << t.frees << '\n';
  out << "  peak heap:   " << humanBytes(t.peakHeapBytes) << " at " << seconds(t.peakTimeS) << '\n';
  out << "  peak RSS:    " << humanBytes(t.peakRssBytes) << '\n';
  out << "  leaked:      " << humanBytes(t.leakedBytes) << " in " << t.leakedAllocations
      << " blocks\n";
  if (t.cpuSamples > 0 || r.sampler.present) {
    out << "  CPU samples: " << t.cpuSamples << " at " << t.sampleHz << " Hz";
    if (!r.sampler.present && t.cpuSamples > 0)
      out << " (requested rate; the sampler never reported)";
    if (r.sampler.present) {
      out << " (" << r.sampler.requestedHz << " Hz requested, "
          << (r.sampler.wallClock ? "wall" : "CPU") << " clock)";
    }
    out << '\n';
    if (!r.sampler.note.empty()) out << "  sampler:     " << r.sampler.note << '\n';
  }

  std::vector<const model::LineEntry*> lines;
  for (const auto& l : r.lines) lines.push_back(&l);
  auto key = [&](const model::LineEntry* l) -> std::uint64_t {
    if (options.sort == "alloc") return l->total.bytes;
    if (options.sort == "leaked") return l->self.leakedBytes;
    if (options.sort == "self") return l->self.samples;
    if (options.sort == "total") return l->total.samples;
    return l->self.peakBytes;
  };
  std::stable_sort(lines.begin(), lines.end(),
                   [&](const auto* a, const auto* b) { return key(a) > key(b); });
  out << "\nTop lines by " << options.sort << " (self figures: allocated at this line):\n";
  char row[512];
  std::snprintf(row, sizeof row, "  %10s %12s %12s %12s %8s  %s\n", "allocs", "bytes", "at peak",
                "leaked", "samples", "location");
  out << row;
  std::size_t shown = 0;
  for (const auto* l : lines) {
    if (shown == options.top || key(l) == 0) break;
    std::snprintf(row, sizeof row, "  %10llu %12s %12s %12s %8llu  %s:%u %s\n",
                  static_cast<unsigned long long>(l->self.allocations),
                  humanBytes(l->self.bytes).c_str(), humanBytes(l->self.peakBytes).c_str(),
                  humanBytes(l->self.leakedBytes).c_str(),
                  static_cast<unsigned long long>(l->self.samples), shortFile(l->file).c_str(),
                  l->line, l->function.c_str());
    out << row;
    ++shown;
  }
  if (shown == 0) out << "  (none)\n";
  writeFunctionTable(r, options, out);
  if (!r.leaks.empty()) {
    out << "\nLeaks (" << r.leaks.size() << " stacks; `memprof leaks` shows full stacks):\n";
    for (std::size_t i = 0; i < r.leaks.size() && i < kTextReportLeakStacks; ++i) {
      const auto& leak = r.leaks[i];
      std::string where = "?";
      for (const auto& f : leak.stack) {
        if (!f.file.empty()) {
          where = shortFile(f.file) + ":" + std::to_string(f.line) + " " + f.function;
          break;
        }
        if (!f.function.empty() && where == "?") where = f.function;
      }
      out << "  " << humanBytes(leak.bytes) << " in " << leak.allocations << " blocks ("
          << leak.kind << ") at " << where << '\n';
    }
  }
  for (const auto& m : r.modules) {
    if (m.unresolved > 0 || m.missing) {
      out << "\nnote: " << m.unresolved << " addresses in " << m.path << " could not be resolved"
          << (m.missing ? " (file missing)" : "")
          << (m.buildIdMismatch ? " (build-id differs)" : "") << '\n';
    }
  }
}

void writeLeaksText(const model::Report& r, std::ostream& out, std::size_t maxFrames) {
  if (r.leaks.empty()) {
    out << "memprof: no leaks: all " << r.totals.allocations << " allocations were freed\n";
    return;
  }
  // Totals of the leaks listed (suppressed stacks are not listed, so not counted here).
  std::uint64_t bytes = 0;
  std::uint64_t blocks = 0;
  for (const auto& leak : r.leaks) {
    bytes += leak.bytes;
    blocks += leak.allocations;
  }
  out << "memprof: " << humanBytes(bytes) << " leaked in " << blocks
      << (blocks == 1 ? " block" : " blocks") << " from " << r.leaks.size()
      << (r.leaks.size() == 1 ? " stack\n" : " stacks\n");
  std::size_t index = 0;
  for (const auto& leak : r.leaks) {
    out << "\n#" << ++index << " " << leak.kind << ": " << leak.bytes << " bytes in "
        << leak.allocations << (leak.allocations == 1 ? " block" : " blocks") << " allocated at\n";
    std::size_t n = 0;
    for (const auto& f : leak.stack) {
      if (n++ == maxFrames) {
        out << "    ... " << (leak.stack.size() - maxFrames) << " more frames\n";
        break;
      }
      char addr[24];
      std::snprintf(addr, sizeof addr, "0x%llx", static_cast<unsigned long long>(f.address));
      out << "    " << addr << " " << (f.function.empty() ? "??" : f.function);
      if (!f.file.empty()) out << " " << f.file << ":" << f.line;
      if (f.inlined) out << " (inlined)";
      if (!f.module.empty()) out << " in " << shortFile(f.module);
      out << '\n';
    }
  }
}

}  // namespace memprof::present
