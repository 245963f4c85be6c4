// SPDX-License-Identifier: MIT
/// @brief `memprof lines`: source listings with memory and time columns per line, the way
/// memory_profiler and line_profiler print Python functions.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "memprof/present/presenters.h"

namespace memprof::present {

namespace {

/// Source lines of a file, read once (index 0 = line 1). Empty when unreadable.
const std::vector<std::string>& sourceOf(const std::string& path,
                                         std::map<std::string, std::vector<std::string>>& cache) {
  auto [it, inserted] = cache.try_emplace(path);
  if (inserted) {
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) it->second.push_back(line);
  }
  return it->second;
}

bool fileMatches(const std::string& file, const std::string& wanted) {
  if (wanted.empty()) return true;
  if (file == wanted) return true;
  if (file.size() > wanted.size() && file.compare(file.size() - wanted.size(), wanted.size(), wanted) == 0 &&
      file[file.size() - wanted.size() - 1] == '/') {
    return true;
  }
  return file.find(wanted) != std::string::npos;
}

}  // namespace

void writeLinesView(const model::Report& r, const LinesOptions& options, std::ostream& out) {
  // Group lines by (file, function).
  struct Group {
    std::string file;
    std::string function;
    std::vector<const model::LineEntry*> lines;
    std::uint64_t peak = 0;
    std::uint64_t bytes = 0;
    std::uint64_t samples = 0;
  };
  std::map<std::pair<std::string, std::string>, Group> groups;
  for (const auto& l : r.lines) {
    if (!fileMatches(l.file, options.file)) continue;
    if (options.function && !std::regex_search(l.function, *options.function)) continue;
    Group& g = groups[{l.file, l.function}];
    g.file = l.file;
    g.function = l.function;
    g.lines.push_back(&l);
    const model::Counters& c = options.self ? l.self : l.total;
    g.peak = std::max(g.peak, c.peakBytes);
    g.bytes = std::max(g.bytes, c.bytes);
    g.samples = std::max(g.samples, c.samples);
  }
  // Like memory_profiler, show the program's own code: functions whose source cannot be read
  // (system libraries without sources installed) are left out unless asked for.
  std::map<std::string, std::vector<std::string>> sources;
  std::vector<const Group*> ordered;
  for (const auto& [key, g] : groups) {
    if (options.all || !sourceOf(g.file, sources).empty()) ordered.push_back(&g);
  }
  std::stable_sort(ordered.begin(), ordered.end(), [](const Group* a, const Group* b) {
    return std::tie(a->samples, a->peak, a->bytes) > std::tie(b->samples, b->peak, b->bytes);
  });
  if (ordered.empty()) {
    out << "memprof: no source lines match (is the program built with -g? --all includes "
           "functions whose source is not available)\n";
    return;
  }
  const double hz = r.totals.sampleHz > 0 ? r.totals.sampleHz : 0;
  char row[1024];
  for (const Group* g : ordered) {
    out << "Filename: " << g->file << "\n";
    out << "Function: " << g->function << "  (" << (options.self ? "self" : "inclusive")
        << " figures)\n\n";
    std::snprintf(row, sizeof row, "%6s %9s %11s %11s %11s %8s %9s %7s  %s\n", "Line #", "Allocs",
                  "Bytes", "At peak", "Leaked", "Hits", "Time", "% Time", "Line Contents");
    out << row << std::string(100, '=') << '\n';
    std::map<std::uint32_t, const model::LineEntry*> byLine;
    for (const auto* l : g->lines) byLine[l->line] = l;
    const std::uint32_t first = byLine.begin()->first;
    const std::uint32_t last = byLine.rbegin()->first;
    const auto& source = sourceOf(g->file, sources);
    const std::uint32_t from = first > options.context ? first - static_cast<std::uint32_t>(options.context) : 1;
    const std::uint32_t to = last + static_cast<std::uint32_t>(options.context);
    std::uint64_t functionSamples = 0;
    for (const auto* l : g->lines) functionSamples = std::max(functionSamples, (options.self ? l->self : l->total).samples);
    if (options.self) {
      functionSamples = 0;
      for (const auto* l : g->lines) functionSamples += l->self.samples;
    }
    for (std::uint32_t n = from; n <= to; ++n) {
      const bool haveText = n >= 1 && n <= source.size();
      if (!haveText && byLine.find(n) == byLine.end()) continue;
      const std::string text = haveText ? source[n - 1] : "<source not available>";
      auto it = byLine.find(n);
      if (it == byLine.end()) {
        std::snprintf(row, sizeof row, "%6u %9s %11s %11s %11s %8s %9s %7s  %s\n", n, "", "", "",
                      "", "", "", "", text.c_str());
      } else {
        const model::Counters& c = options.self ? it->second->self : it->second->total;
        char hits[24] = "", time[24] = "", pct[24] = "";
        if (c.samples > 0) {
          std::snprintf(hits, sizeof hits, "%llu", static_cast<unsigned long long>(c.samples));
          if (hz > 0) std::snprintf(time, sizeof time, "%.3fs", static_cast<double>(c.samples) / hz);
          if (functionSamples > 0) {
            std::snprintf(pct, sizeof pct, "%.1f",
                          100.0 * static_cast<double>(c.samples) / static_cast<double>(functionSamples));
          }
        }
        std::snprintf(row, sizeof row, "%6u %9llu %11s %11s %11s %8s %9s %7s  %s\n", n,
                      static_cast<unsigned long long>(c.allocations),
                      c.allocations ? humanBytes(c.bytes).c_str() : "",
                      c.peakBytes ? humanBytes(c.peakBytes).c_str() : "",
                      c.leakedBytes ? humanBytes(c.leakedBytes).c_str() : "", hits, time, pct,
                      text.c_str());
      }
      out << row;
    }
    out << '\n';
  }
}

}  // namespace memprof::present
