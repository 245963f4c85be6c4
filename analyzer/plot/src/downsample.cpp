// SPDX-License-Identifier: MIT
/// @brief M4 downsampling (first, min, max, last per pixel column).
#include "memprof/plot/downsample.h"

#include <algorithm>

namespace memprof::plot {

std::size_t peakIndex(const std::vector<SeriesPoint>& points) {
  std::size_t best = points.size();
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (best == points.size() || points[i].bytes > points[best].bytes) best = i;
  }
  return best;
}

std::vector<SeriesPoint> downsample(const std::vector<SeriesPoint>& points, std::size_t buckets) {
  buckets = std::max<std::size_t>(buckets, 1);
  if (points.size() <= 4 * buckets) return points;
  const double t0 = points.front().t;
  const double span = points.back().t - t0;
  std::vector<SeriesPoint> out;
  out.reserve(4 * buckets + 1);
  std::size_t i = 0;
  while (i < points.size()) {
    // Column of point i; all points of the same column are reduced together.
    const auto column = [&](std::size_t k) {
      if (span <= 0) return std::size_t{0};
      const double x = (points[k].t - t0) / span * static_cast<double>(buckets);
      return std::min(static_cast<std::size_t>(x), buckets - 1);
    };
    const std::size_t col = column(i);
    std::size_t first = i, lo = i, hi = i, last = i;
    for (++i; i < points.size() && column(i) == col; ++i) {
      if (points[i].bytes < points[lo].bytes) lo = i;
      if (points[i].bytes > points[hi].bytes) hi = i;  // first of equal maxima: stable peak time
      last = i;
    }
    std::size_t keep[] = {first, lo, hi, last};
    std::sort(std::begin(keep), std::end(keep));
    for (std::size_t j = 0; j < 4; ++j) {
      if (j > 0 && keep[j] == keep[j - 1]) continue;
      out.push_back(points[keep[j]]);
    }
  }
  return out;
}

}  // namespace memprof::plot
