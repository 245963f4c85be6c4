// SPDX-License-Identifier: MIT
/// @brief Picks the top allocation sites (source lines, by bytes live at the heap peak) and
/// maps every leaf stack node to its site, for the stacked chart.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "memprof/aggregate/heap_replay.h"
#include "memprof/plot/node_resolver.h"

namespace memprof::plot {

struct Site {
  std::string function;
  std::string file;
  std::uint32_t line = 0;
  std::uint64_t peakBytes = 0;  ///< live at the run's heap peak (the line's self.peakBytes)
  std::uint64_t bytes = 0;      ///< allocated in all

  /// "function (file:line)" with the file's base name; what the legend shows.
  [[nodiscard]] std::string label() const;
};

struct SiteSelection {
  std::vector<Site> sites;               ///< largest first
  std::vector<std::int32_t> siteOfLeaf;  ///< by leaf node id; -1 = "other"
};

/// A site is the innermost source line of an allocation's stack, as `self` in the report.
/// Ranked by peak bytes, then bytes allocated; at most @p count sites, none without allocations.
SiteSelection selectTopSites(const aggregate::HeapReplay& replay, NodeResolver& resolver,
                             std::size_t count);

/// The ranking alone (testable without symbolization): indices of at most @p count of @p keys
/// with bytes allocated, by peak bytes then bytes, best first.
std::vector<std::size_t> rankSites(const std::vector<Site>& keys, std::size_t count);

}  // namespace memprof::plot
