// SPDX-License-Identifier: MIT
/// @brief The total of several processes' series on a common time grid (mprof --multiprocess).
#pragma once

#include <vector>

#include "memprof/plot/series.h"

namespace memprof::plot {

/// Each part is a step function that is 0 before its first point and drops to 0 just after its
/// last (the process ended and its memory went with it). The result has a point at every time
/// where any part changes, so its values, and its maximum, are exact on that grid.
/// Parts must be in time order each, on the same time axis.
std::vector<SeriesPoint> sumSeries(const std::vector<const std::vector<SeriesPoint>*>& parts);

}  // namespace memprof::plot
