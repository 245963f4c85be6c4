// SPDX-License-Identifier: MIT
/// @brief Turns analysed logs into a Figure: series per process on one time axis, the total
/// when there are several, the peak marks, all downsampled to the picture's width.
#pragma once

#include <cstdint>
#include <vector>

#include "memprof/model/report.h"
#include "memprof/plot/figure.h"

namespace memprof::plot {

struct FigureOptions {
  std::size_t columns = 1200;  ///< pixel (or character) columns the time axis spans
};

/// The heap and RSS step series of one report, shifted by @p offsetS. RSS points start at the
/// first RSS sample (before it, RSS is unknown, not zero).
std::vector<SeriesPoint> heapSeries(const model::Report& report, double offsetS);
std::vector<SeriesPoint> rssSeries(const model::Report& report, double offsetS);

/// The source line with the most bytes live at the heap peak (largest self.peakBytes), as
/// "function (file:line)"; empty when no line is known.
std::string topPeakSite(const model::Report& report);

/// Where each process starts on the common time axis (seconds after the earliest start).
std::vector<double> startOffsets(const std::vector<const model::Report*>& reports);

/// One Figure from one or more reports (several processes of a run, the first being the root).
/// Processes are placed on the time axis by their start times.
Figure buildFigure(const std::vector<const model::Report*>& reports, const FigureOptions& options);

}  // namespace memprof::plot
