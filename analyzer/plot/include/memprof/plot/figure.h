// SPDX-License-Identifier: MIT
/// @brief Everything one picture shows, already reduced to what the pixels can hold. The
/// renderer draws it and the data export writes it, so both always agree.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "memprof/plot/series.h"

namespace memprof::plot {

struct PeakMark {
  double t = 0;
  std::uint64_t bytes = 0;
  std::string site;   ///< "function (file:line)" holding the most at that moment; may be empty
  std::string label;  ///< the text drawn next to the mark
};

struct Figure {
  std::string title;
  double durationS = 0;
  std::vector<Series> lines;             ///< heap (drawn as steps) and RSS (drawn as lines)
  std::optional<StackedSites> stacked;   ///< --stacked: drawn under the lines
  std::vector<FunctionSpans> functions;  ///< --function: brackets above the data
  std::optional<PeakMark> heapPeak;
  std::optional<PeakMark> rssPeak;
  std::vector<std::string> logs;
};

}  // namespace memprof::plot
