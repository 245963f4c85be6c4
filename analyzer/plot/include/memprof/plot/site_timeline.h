// SPDX-License-Identifier: MIT
/// @brief Replays heap events a second time, per chosen site, into stacked series over time.
///
/// Memory is bounded by the number of pixel columns times the number of sites, whatever the
/// number of events: each column keeps the sites' bytes at the moment the heap was highest
/// in it (so the top of the stack reaches every peak) and at the column's end.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "memprof/aggregate/pointer_map.h"
#include "memprof/plot/series.h"
#include "memprof/reader/events.h"

namespace memprof::plot {

class SiteTimeline : public reader::EventSink {
 public:
  /// @p siteOfLeaf: site index per leaf stack node id, -1 (or beyond the end) = "other".
  /// @p endUs: the run's duration (from a first pass), to size the @p columns.
  SiteTimeline(std::vector<std::int32_t> siteOfLeaf, std::size_t siteCount, std::uint64_t endUs,
               std::size_t columns);

  void onHeapEvent(const reader::HeapEvent& e) override;

  /// Rows: one per site, in the order of @p siteLabels, then "other".
  [[nodiscard]] StackedSites result(const std::vector<std::string>& siteLabels) const;

 private:
  struct Column {
    bool used = false;
    std::uint64_t maxTotal = 0;
    std::uint64_t maxTimeUs = 0;
    std::vector<std::uint64_t> atMax;
    std::uint64_t endTimeUs = 0;
    std::vector<std::uint64_t> atEnd;
  };
  [[nodiscard]] std::size_t rowOf(std::uint32_t stack) const;
  void record(std::uint64_t timeUs);

  std::vector<std::int32_t> m_siteOfLeaf;
  std::size_t m_rows;  ///< sites + other
  std::uint64_t m_endUs;
  std::uint64_t m_columnUs;
  std::vector<Column> m_columns;
  std::vector<std::uint64_t> m_live;  ///< bytes per row now
  std::uint64_t m_total = 0;
  std::uint64_t m_lastTimeUs = 0;
  aggregate::PointerMap m_blocks;  ///< LiveBlock.stack holds the row, not the stack
};

}  // namespace memprof::plot
