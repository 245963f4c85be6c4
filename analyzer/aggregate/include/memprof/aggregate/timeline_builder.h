// SPDX-License-Identifier: MIT
/// @brief Heap-over-time in bounded memory: adaptive buckets that never lose a peak.
///
/// Buckets start 1 ms wide; when there are too many, neighbours merge and the width doubles.
/// Each bucket keeps its maximum (with its time) and its final value, so every emitted point
/// is an exact heap value at an exact time, and the run's peak is always one of them.
#pragma once

#include <cstdint>
#include <vector>

#include "memprof/model/report.h"

namespace memprof::aggregate {

class TimelineBuilder {
 public:
  explicit TimelineBuilder(std::size_t maxBuckets = 4096) : m_maxBuckets(maxBuckets) {}

  /// Heap changed to @p heapBytes at @p timeUs (non-decreasing times).
  /// Called once per heap event: the common case (same bucket as the last event) is inline.
  void heap(std::uint64_t timeUs, std::uint64_t heapBytes) {
    if (m_buckets.empty() || timeUs < m_lastStartUs || timeUs >= m_lastEndUs) {
      newBucketOrSame(timeUs, heapBytes);
      return;
    }
    updateLast(timeUs, heapBytes);
  }
  void rss(std::uint64_t timeUs, std::uint64_t rssBytes);

  /// Points in time order, from 0 to @p endUs.
  [[nodiscard]] std::vector<model::TimelinePoint> points(std::uint64_t endUs) const;

 private:
  /// heap() for an event outside the latest bucket's range (a 64-bit division).
  void newBucketOrSame(std::uint64_t timeUs, std::uint64_t heapBytes);
  void updateLast(std::uint64_t timeUs, std::uint64_t heapBytes) {
    Bucket& b = m_buckets.back();
    if (heapBytes > b.maxBytes) {
      b.maxBytes = heapBytes;
      b.maxTimeUs = timeUs;
    }
    b.endTimeUs = timeUs;
    b.endBytes = heapBytes;
  }
  struct Bucket {
    std::uint64_t index = 0;  // start = index * width
    std::uint64_t maxTimeUs = 0;
    std::uint64_t maxBytes = 0;
    std::uint64_t endTimeUs = 0;
    std::uint64_t endBytes = 0;
  };
  struct RssPoint {
    std::uint64_t timeUs;
    std::uint64_t bytes;
  };
  void coarsen();
  /// Caches the time range of the latest bucket.
  void noteLastBucket();

  std::size_t m_maxBuckets;
  std::uint64_t m_widthUs = 1000;
  std::vector<Bucket> m_buckets;
  std::uint64_t m_lastStartUs = 0;  ///< the latest bucket covers [m_lastStartUs, m_lastEndUs)
  std::uint64_t m_lastEndUs = 0;
  std::vector<RssPoint> m_rss;
};

}  // namespace memprof::aggregate
