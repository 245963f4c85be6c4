// SPDX-License-Identifier: MIT
/// @brief Plain value types of a plot's data: time series of bytes, stacked site series, spans.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace memprof::plot {

/// One exact value of a step function: from time t (seconds) on, the series is `bytes`.
struct SeriesPoint {
  double t = 0;
  std::uint64_t bytes = 0;

  friend bool operator==(const SeriesPoint&, const SeriesPoint&) = default;
};

enum class SeriesKind { Heap, Rss, TotalHeap, TotalRss };

/// A line of the plot: one process's heap or RSS, or a total over several processes.
struct Series {
  std::string name;
  SeriesKind kind = SeriesKind::Heap;
  std::uint64_t pid = 0;  ///< the process, 0 for totals
  std::vector<SeriesPoint> points;
};

/// Top allocation sites as stacked areas: bytes[s][i] is site s's heap bytes at t[i];
/// the last row is "other" (everything not in the chosen sites).
struct StackedSites {
  std::vector<std::string> labels;  ///< one per row, "other" last
  std::vector<double> t;
  std::vector<std::vector<std::uint64_t>> bytes;
};

/// When a function (matched by --function) was on the stack: [begin, end] in seconds.
struct FunctionSpans {
  std::string function;
  std::vector<std::pair<double, double>> spans;
};

}  // namespace memprof::plot
