// SPDX-License-Identifier: MIT
/// @brief Sweep over every part's changes in time order, keeping a running total.
#include "memprof/plot/series_sum.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace memprof::plot {

std::vector<SeriesPoint> sumSeries(const std::vector<const std::vector<SeriesPoint>*>& parts) {
  struct Change {
    double t;
    std::size_t part;
    std::uint64_t value;
  };
  std::vector<Change> changes;
  for (std::size_t p = 0; p < parts.size(); ++p) {
    const auto& points = *parts[p];
    for (const SeriesPoint& pt : points) changes.push_back({pt.t, p, pt.bytes});
    if (!points.empty()) {
      // Just after the end, not at it: the last value still counts at its own time.
      changes.push_back(
          {std::nextafter(points.back().t, std::numeric_limits<double>::infinity()), p, 0});
    }
  }
  std::stable_sort(changes.begin(), changes.end(),
                   [](const Change& a, const Change& b) { return a.t < b.t; });
  std::vector<std::uint64_t> current(parts.size(), 0);
  std::uint64_t total = 0;
  std::vector<SeriesPoint> out;
  out.reserve(changes.size());
  for (std::size_t i = 0; i < changes.size();) {
    const double t = changes[i].t;
    for (; i < changes.size() && changes[i].t == t; ++i) {
      total = total - current[changes[i].part] + changes[i].value;
      current[changes[i].part] = changes[i].value;
    }
    out.push_back({t, total});
  }
  return out;
}

}  // namespace memprof::plot
