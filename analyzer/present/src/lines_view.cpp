// SPDX-License-Identifier: MIT
/// @brief `memprof lines`: source listings with memory and time columns per line, the way
/// memory_profiler and line_profiler print Python functions.
#include <algorithm>
#include <cstdio>
#include <filesystem>
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

std::string withoutDotSlash(std::string path) {
  while (path.rfind("./", 0) == 0) path.erase(0, 2);
  return path;
}

/// The path as the file system resolves it, or "" when it does not exist.
std::string canonical(const std::string& path) {
  std::error_code ec;
  const auto p = std::filesystem::canonical(path, ec);
  return ec ? std::string() : p.string();
}

/// --file: the same file (as given in the debug information, by a path suffix that starts at a
/// '/', or resolving to the same file on disk), or any file inside a given directory. A bare
/// substring is not enough: "a.c" must not select "data.c".
class FileFilter {
 public:
  explicit FileFilter(const std::string& wanted)
      : m_wanted(withoutDotSlash(wanted)), m_canonical(wanted.empty() ? "" : canonical(wanted)) {
    std::error_code ec;
    m_directory =
        !wanted.empty() && (wanted.back() == '/' || std::filesystem::is_directory(wanted, ec));
    while (m_directory && !m_wanted.empty() && m_wanted.back() == '/') m_wanted.pop_back();
    while (m_directory && !m_canonical.empty() && m_canonical.back() == '/') m_canonical.pop_back();
  }

  bool operator()(const std::string& file) {
    if (m_wanted.empty() && !m_directory) return true;
    auto [it, inserted] = m_verdicts.try_emplace(file, false);
    if (inserted) it->second = decide(file);
    return it->second;
  }

 private:
  static bool endsWithComponent(const std::string& path, const std::string& tail) {
    if (tail.empty() || path.size() < tail.size()) return false;
    if (path.compare(path.size() - tail.size(), tail.size(), tail) != 0) return false;
    return path.size() == tail.size() || path[path.size() - tail.size() - 1] == '/' ||
           tail.front() == '/';
  }
  static bool underDirectory(const std::string& path, const std::string& dir) {
    if (dir.empty()) return path.front() != '/';  // "./": relative paths of the debug information
    const std::string withSlash = dir + '/';
    return path.rfind(withSlash, 0) == 0 || path.find('/' + withSlash) != std::string::npos;
  }
  bool decide(const std::string& file) const {
    if (file.empty()) return false;
    if (m_directory) {
      return underDirectory(file, m_wanted) ||
             (!m_canonical.empty() && underDirectory(canonical(file), m_canonical));
    }
    if (file == m_wanted || endsWithComponent(file, m_wanted)) return true;
    return !m_canonical.empty() && canonical(file) == m_canonical;
  }

  std::string m_wanted;
  std::string m_canonical;
  bool m_directory = false;
  std::map<std::string, bool> m_verdicts;
};

/// The name without its parameter list ("ns::f<int>(int) const" -> "ns::f<int>"), so that
/// anchored patterns like ^ns::f$ work for C++ as they do for C.
std::string withoutParameters(const std::string& name) {
  int angle = 0;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (c == '<')
      ++angle;
    else if (c == '>' && angle > 0)
      --angle;
    else if (c == '(' && angle == 0 && name.compare(i, 21, "(anonymous namespace)") != 0 && i > 0) {
      return name.substr(0, i);
    }
  }
  return name;
}

bool functionMatches(const std::string& name, const std::regex& pattern) {
  if (std::regex_search(name, pattern)) return true;
  const std::string bare = withoutParameters(name);
  return bare != name && std::regex_search(bare, pattern);
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
    std::uint64_t samples = 0;      ///< the function's total samples: % Time's denominator
    std::uint64_t costSamples = 0;  ///< what the listing is ordered by (self or total)
  };
  std::map<std::pair<std::string, std::string>, Group> groups;
  // The function's own figures (samples with it anywhere on the stack), computed by the
  // aggregation: the denominator of % Time and the order of the listing.
  std::map<std::pair<std::string, std::string>, const model::FunctionEntry*> functions;
  for (const auto& f : r.functions) functions.try_emplace({f.file, f.function}, &f);
  FileFilter fileFilter(options.file);
  for (const auto& l : r.lines) {
    if (!fileFilter(l.file)) continue;
    if (options.function && !functionMatches(l.function, *options.function)) continue;
    Group& g = groups[{l.file, l.function}];
    g.file = l.file;
    g.function = l.function;
    g.lines.push_back(&l);
    // Without a function entry (a report from elsewhere), the busiest line bounds the function.
    g.peak = std::max(g.peak, l.total.peakBytes);
    g.bytes = std::max(g.bytes, l.total.bytes);
    g.samples = std::max(g.samples, l.total.samples);
    g.costSamples = options.self ? g.costSamples + l.self.samples : g.samples;
  }
  for (auto& [key, g] : groups) {
    if (auto it = functions.find(key); it != functions.end()) {
      const model::Counters& c = options.self ? it->second->self : it->second->total;
      g.samples = it->second->total.samples;
      g.costSamples = c.samples;
      g.peak = c.peakBytes;
      g.bytes = c.bytes;
    }
  }
  // Like memory_profiler, show the program's own code: functions whose source cannot be read
  // (system libraries without sources installed) are left out unless asked for.
  std::map<std::string, std::vector<std::string>> sources;
  std::vector<const Group*> ordered;
  for (const auto& [key, g] : groups) {
    if (options.all || !sourceOf(g.file, sources).empty()) ordered.push_back(&g);
  }
  // Costliest first, by the figures shown (self or inclusive): CPU time, then memory at the
  // peak, then bytes allocated.
  std::stable_sort(ordered.begin(), ordered.end(), [](const Group* a, const Group* b) {
    return std::tie(a->costSamples, a->peak, a->bytes) >
           std::tie(b->costSamples, b->peak, b->bytes);
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
    const std::uint32_t from =
        first > options.context ? first - static_cast<std::uint32_t>(options.context) : 1;
    const std::uint32_t to = last + static_cast<std::uint32_t>(options.context);
    // % Time is the line's share of the function's time, inclusive or self alike (as in
    // line_profiler, where the function's lines add up to the function's total).
    const std::uint64_t functionSamples = g->samples;
    for (std::uint32_t n = from; n <= to; ++n) {
      const bool haveText = n >= 1 && n <= source.size();
      if (!haveText && byLine.find(n) == byLine.end()) continue;
      const std::string text = haveText ? source[n - 1] : "<source not available>";
      auto it = byLine.find(n);
      if (it == byLine.end()) {
        std::snprintf(row, sizeof row, "%6u %9s %11s %11s %11s %8s %9s %7s  ", n, "", "", "", "",
                      "", "", "");
      } else {
        const model::Counters& c = options.self ? it->second->self : it->second->total;
        char hits[24] = "", time[24] = "", pct[24] = "";
        if (c.samples > 0) {
          std::snprintf(hits, sizeof hits, "%llu", static_cast<unsigned long long>(c.samples));
          if (hz > 0)
            std::snprintf(time, sizeof time, "%.3fs", static_cast<double>(c.samples) / hz);
          if (functionSamples > 0) {
            std::snprintf(
                pct, sizeof pct, "%.1f",
                100.0 * static_cast<double>(c.samples) / static_cast<double>(functionSamples));
          }
        }
        std::snprintf(row, sizeof row, "%6u %9llu %11s %11s %11s %8s %9s %7s  ", n,
                      static_cast<unsigned long long>(c.allocations),
                      c.allocations ? humanBytes(c.bytes).c_str() : "",
                      c.peakBytes ? humanBytes(c.peakBytes).c_str() : "",
                      c.leakedBytes ? humanBytes(c.leakedBytes).c_str() : "", hits, time, pct);
      }
      out << row << text << '\n';  // appended: long source lines must not be cut
    }
    out << '\n';
  }
}

}  // namespace memprof::present
