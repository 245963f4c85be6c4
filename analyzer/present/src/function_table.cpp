// SPDX-License-Identifier: MIT
/// @brief The function table of `memprof report`: self and cumulative CPU time and bytes per
/// function, ordered and cut like pstats' print_stats.
#include <algorithm>
#include <cstdio>
#include <string>
#include <tuple>
#include <vector>

#include "memprof/present/presenters.h"

namespace memprof::present {

namespace {

/// The figure --sort orders by; the same choice as the line table so both agree.
std::uint64_t sortKey(const model::FunctionEntry& f, const std::string& sort) {
  if (sort == "self") return f.self.samples;
  if (sort == "total") return f.total.samples;
  if (sort == "alloc") return f.total.bytes;
  if (sort == "leaked") return f.self.leakedBytes;
  return f.self.peakBytes;
}

std::string timeText(std::uint64_t samples, double hz) {
  char buf[32];
  if (hz > 0)
    std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(samples) / hz);
  else
    std::snprintf(buf, sizeof buf, "-");
  return buf;
}

std::string percent(std::uint64_t part, std::uint64_t whole) {
  char buf[16];
  if (whole == 0) return "-";
  std::snprintf(buf, sizeof buf, "%.1f%%",
                100.0 * static_cast<double>(part) / static_cast<double>(whole));
  return buf;
}

std::string location(const model::FunctionEntry& f) {
  std::string name = f.function.empty() ? "??" : f.function;
  if (!f.file.empty()) {
    const auto slash = f.file.rfind('/');
    name += " (" + (slash == std::string::npos ? f.file : f.file.substr(slash + 1)) + ":" +
            std::to_string(f.line) + ")";
  } else if (!f.module.empty()) {
    const auto slash = f.module.rfind('/');
    name += " [" + (slash == std::string::npos ? f.module : f.module.substr(slash + 1)) + "]";
  }
  return name;
}

}  // namespace

void writeFunctionTable(const model::Report& r, const TextReportOptions& options,
                        std::ostream& out) {
  std::vector<const model::FunctionEntry*> rows;
  for (const auto& f : r.functions) rows.push_back(&f);
  // Ties (for example every function at 0 for a run without samples) fall back to CPU, then
  // memory, so the table stays meaningful whatever --sort says.
  std::stable_sort(rows.begin(), rows.end(), [&](const auto* a, const auto* b) {
    return std::make_tuple(sortKey(*a, options.sort), a->total.samples, a->self.samples,
                           a->total.bytes) > std::make_tuple(sortKey(*b, options.sort),
                                                             b->total.samples, b->self.samples,
                                                             b->total.bytes);
  });
  const double hz = r.totals.sampleHz;
  const std::uint64_t all = r.totals.cpuSamples;
  out << "\nFunctions by " << options.sort
      << " (self: the innermost frame; cum: anywhere on the stack, recursion counted once):\n";
  char row[1024];
  std::snprintf(row, sizeof row, "  %8s %9s %7s %8s %9s %7s %11s %11s %11s %11s  %s\n", "self #",
                "self s", "self%", "cum #", "cum s", "cum%", "self alloc", "cum alloc", "self peak",
                "cum peak", "function (file:line)");
  out << row;
  std::size_t shown = 0;
  for (const auto* f : rows) {
    if (shown == options.top) break;
    std::snprintf(row, sizeof row, "  %8llu %9s %7s %8llu %9s %7s %11s %11s %11s %11s  ",
                  static_cast<unsigned long long>(f->self.samples),
                  timeText(f->self.samples, hz).c_str(), percent(f->self.samples, all).c_str(),
                  static_cast<unsigned long long>(f->total.samples),
                  timeText(f->total.samples, hz).c_str(), percent(f->total.samples, all).c_str(),
                  humanBytes(f->self.bytes).c_str(), humanBytes(f->total.bytes).c_str(),
                  humanBytes(f->self.peakBytes).c_str(), humanBytes(f->total.peakBytes).c_str());
    out << row << location(*f) << '\n';  // appended: long C++ names must not be cut
    ++shown;
  }
  if (shown == 0) out << "  (none)\n";
}

}  // namespace memprof::present
