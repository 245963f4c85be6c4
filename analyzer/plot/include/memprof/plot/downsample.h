// SPDX-License-Identifier: MIT
/// @brief Reduces a series to what the pixels can show without ever losing a peak.
///
/// The time range is cut into @p buckets equal columns; each column keeps its first, lowest,
/// highest and last point (the "M4" reduction), in time order. A line drawn through them covers
/// the same pixels as the full series, and the global maximum is always among them.
#pragma once

#include <cstddef>
#include <vector>

#include "memprof/plot/series.h"

namespace memprof::plot {

/// @p points in non-decreasing time order; returns at most 4 * @p buckets points, exact values
/// at exact times, a subset of the input. Inputs already small enough come back unchanged.
std::vector<SeriesPoint> downsample(const std::vector<SeriesPoint>& points, std::size_t buckets);

/// Index of the first point holding the largest value (points.size() when empty).
std::size_t peakIndex(const std::vector<SeriesPoint>& points);

}  // namespace memprof::plot
