// SPDX-License-Identifier: MIT
/// @brief `memprof diff OLD NEW`: per-line changes between two runs; a CI gate on growth.
///
/// Lines are matched by (file, line) and compared on their self figures (bytes allocated,
/// bytes live at the heap peak, bytes leaked, CPU samples). --fail-on-increase PCT exits 1
/// when some line's peak or leaked bytes grew by more than PCT percent; a line that had none
/// in OLD and has some in NEW counts as grown without bound. --min-bytes ignores smaller moves.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>

#include "commands.h"
#include "memprof/present/presenters.h"

namespace memprof::cli {

namespace {

struct LineDiff {
  std::string file;
  std::uint32_t line = 0;
  std::string function;
  model::Counters before;
  model::Counters after;
};

std::int64_t delta(std::uint64_t a, std::uint64_t b) {
  return static_cast<std::int64_t>(b) - static_cast<std::int64_t>(a);
}

std::uint64_t magnitude(const LineDiff& d) {
  auto abs = [](std::int64_t v) { return static_cast<std::uint64_t>(v < 0 ? -v : v); };
  return std::max({abs(delta(d.before.peakBytes, d.after.peakBytes)),
                   abs(delta(d.before.leakedBytes, d.after.leakedBytes)),
                   abs(delta(d.before.bytes, d.after.bytes))});
}

/// "+100.0%", "new", "-50.0%", "=".
std::string percent(std::uint64_t a, std::uint64_t b) {
  if (a == b) return "=";
  if (a == 0) return "new";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.1f%%",
                100.0 * (static_cast<double>(b) - static_cast<double>(a)) / static_cast<double>(a));
  return buf;
}

std::string signedBytes(std::int64_t v) {
  if (v == 0) return "0";
  return (v > 0 ? "+" : "-") + present::humanBytes(static_cast<std::uint64_t>(v > 0 ? v : -v));
}

/// True when @p after grew by more than @p pct percent over @p before (and by >= minBytes).
bool grew(std::uint64_t before, std::uint64_t after, double pct, std::uint64_t minBytes) {
  if (after <= before || after - before < std::max<std::uint64_t>(minBytes, 1)) return false;
  if (before == 0) return true;
  return static_cast<double>(after - before) * 100.0 > pct * static_cast<double>(before);
}

std::vector<LineDiff> compare(const model::Report& oldR, const model::Report& newR) {
  std::map<std::pair<std::string, std::uint32_t>, LineDiff> lines;
  for (const auto& l : oldR.lines) {
    auto& d = lines[{l.file, l.line}];
    d.file = l.file, d.line = l.line, d.function = l.function, d.before = l.self;
  }
  for (const auto& l : newR.lines) {
    auto& d = lines[{l.file, l.line}];
    d.file = l.file, d.line = l.line, d.function = l.function, d.after = l.self;
  }
  std::vector<LineDiff> out;
  for (auto& [key, d] : lines) out.push_back(std::move(d));
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return magnitude(a) > magnitude(b); });
  return out;
}

void printTotals(const model::Report& a, const model::Report& b, std::ostream& out) {
  auto row = [&](const char* name, std::uint64_t x, std::uint64_t y) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "  %-16s %12s -> %-12s %s\n", name,
                  present::humanBytes(x).c_str(), present::humanBytes(y).c_str(),
                  percent(x, y).c_str());
    out << buf;
  };
  row("heap peak", a.totals.peakHeapBytes, b.totals.peakHeapBytes);
  row("leaked", a.totals.leakedBytes, b.totals.leakedBytes);
  row("allocated", a.totals.bytesAllocated, b.totals.bytesAllocated);
  char buf[160];
  std::snprintf(buf, sizeof buf, "  %-16s %12llu -> %-12llu %s\n", "allocations",
                static_cast<unsigned long long>(a.totals.allocations),
                static_cast<unsigned long long>(b.totals.allocations),
                percent(a.totals.allocations, b.totals.allocations).c_str());
  out << buf;
}

void printTable(const std::vector<LineDiff>& diffs, std::size_t top, std::ostream& out) {
  char buf[512];
  std::snprintf(buf, sizeof buf, "\n  %11s %8s  %11s %8s  %11s  %9s  %s\n", "peak", "change",
                "leaked", "change", "allocated", "samples",
                "line (self figures, biggest changes first)");
  out << buf;
  std::size_t shown = 0;
  for (const auto& d : diffs) {
    if (shown == top || magnitude(d) == 0) break;
    ++shown;
    const std::string where =
        d.file + ":" + std::to_string(d.line) + (d.function.empty() ? "" : " " + d.function);
    std::snprintf(buf, sizeof buf, "  %11s %8s  %11s %8s  %11s  %+9lld  %s\n",
                  signedBytes(delta(d.before.peakBytes, d.after.peakBytes)).c_str(),
                  percent(d.before.peakBytes, d.after.peakBytes).c_str(),
                  signedBytes(delta(d.before.leakedBytes, d.after.leakedBytes)).c_str(),
                  percent(d.before.leakedBytes, d.after.leakedBytes).c_str(),
                  signedBytes(delta(d.before.bytes, d.after.bytes)).c_str(),
                  static_cast<long long>(delta(d.before.samples, d.after.samples)), where.c_str());
    out << buf;
  }
  if (shown == 0) out << "  (no line changed its memory figures)\n";
}

}  // namespace

int diffCommand(int argc, char** argv) {
  CLI::App app{"Compare two runs line by line; optionally fail when memory grew", "memprof diff"};
  std::string oldLog;
  std::string newLog;
  std::optional<double> failPct;
  std::string minBytes = "0";
  std::size_t top = 20;
  app.add_option("--fail-on-increase", failPct,
                 "exit 1 when a line's peak or leaked bytes grew by more than PCT percent")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--min-bytes", minBytes,
                 "ignore growth smaller than SIZE (e.g. 4K) for --fail-on-increase");
  app.add_option("--top", top, "rows in the table (default 20)");
  app.add_option("OLD_LOG", oldLog, "the baseline run")->required();
  app.add_option("NEW_LOG", newLog, "the run to judge")->required();
  CLI11_PARSE(app, argc, argv);
  std::uint64_t minGrowth = 0;
  try {
    minGrowth = present::parseSize(minBytes);
  } catch (const std::exception& e) {
    std::cerr << "memprof diff: --min-bytes: " << e.what() << '\n';
    return kUsageError;
  }
  const model::Report oldR = analyseLog(oldLog);
  const model::Report newR = analyseLog(newLog);
  const std::vector<LineDiff> diffs = compare(oldR, newR);
  std::cout << "memprof diff: " << oldLog << " -> " << newLog << '\n';
  printTotals(oldR, newR, std::cout);
  printTable(diffs, top, std::cout);
  if (!failPct) return 0;
  std::size_t failures = 0;
  for (const auto& d : diffs) {
    const bool peak = grew(d.before.peakBytes, d.after.peakBytes, *failPct, minGrowth);
    const bool leaked = grew(d.before.leakedBytes, d.after.leakedBytes, *failPct, minGrowth);
    if (!peak && !leaked) continue;
    if (failures++ == 0)
      std::cerr << "memprof diff: FAILED: memory grew by more than " << *failPct << "%:\n";
    std::cerr << "  " << d.file << ":" << d.line << (d.function.empty() ? "" : " " + d.function)
              << ":";
    if (peak) {
      std::cerr << " peak " << present::humanBytes(d.before.peakBytes) << " -> "
                << present::humanBytes(d.after.peakBytes) << " ("
                << percent(d.before.peakBytes, d.after.peakBytes) << ")";
    }
    if (leaked) {
      std::cerr << " leaked " << present::humanBytes(d.before.leakedBytes) << " -> "
                << present::humanBytes(d.after.leakedBytes) << " ("
                << percent(d.before.leakedBytes, d.after.leakedBytes) << ")";
    }
    std::cerr << '\n';
  }
  return failures > 0 ? 1 : 0;
}

}  // namespace memprof::cli
