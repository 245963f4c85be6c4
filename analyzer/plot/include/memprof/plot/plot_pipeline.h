// SPDX-License-Identifier: MIT
/// @brief From log files to a Figure: first pass (report), then, only when asked, a second
/// pass for the stacked sites and the --function spans.
#pragma once

#include <optional>
#include <ostream>
#include <regex>
#include <string>
#include <vector>

#include "memprof/plot/figure.h"

namespace memprof::plot {

struct PlotRequest {
  std::vector<std::string> logs;  ///< the root process first
  std::size_t stackedSites = 0;   ///< --stacked N (one log only)
  std::optional<std::regex> function;
  std::string functionText;
  std::size_t columns = 1200;
};

/// Throws LogLoadError naming the file for an unreadable log, std::invalid_argument for a
/// request that cannot be drawn (--stacked with several logs). Warnings go to @p warnings.
Figure preparePlot(const PlotRequest& request, std::ostream& warnings);

}  // namespace memprof::plot
