// SPDX-License-Identifier: MIT
/// @brief Adaptive heap timeline and RSS series.
#include "memprof/aggregate/timeline_builder.h"

#include <algorithm>

namespace memprof::aggregate {

void TimelineBuilder::newBucketOrSame(std::uint64_t timeUs, std::uint64_t heapBytes) {
  // Nearly every event falls in the latest bucket and never gets here: a range check instead
  // of a 64-bit division per event (a tenth of the replay's time on a compiler's log).
  const std::uint64_t index = timeUs / m_widthUs;
  if (m_buckets.empty() || m_buckets.back().index != index) {
    m_buckets.push_back(Bucket{index, timeUs, heapBytes, timeUs, heapBytes});
    if (m_buckets.size() > m_maxBuckets) coarsen();
    noteLastBucket();
    return;
  }
  updateLast(timeUs, heapBytes);
}

void TimelineBuilder::noteLastBucket() {
  m_lastStartUs = m_buckets.back().index * m_widthUs;
  m_lastEndUs = m_lastStartUs + m_widthUs;
}

void TimelineBuilder::coarsen() {
  m_widthUs *= 2;
  std::vector<Bucket> merged;
  merged.reserve(m_buckets.size() / 2 + 1);
  for (const Bucket& b : m_buckets) {
    const std::uint64_t index = b.index / 2;
    if (merged.empty() || merged.back().index != index) {
      Bucket copy = b;
      copy.index = index;
      merged.push_back(copy);
      continue;
    }
    Bucket& m = merged.back();
    if (b.maxBytes > m.maxBytes) {
      m.maxBytes = b.maxBytes;
      m.maxTimeUs = b.maxTimeUs;
    }
    m.endTimeUs = b.endTimeUs;
    m.endBytes = b.endBytes;
  }
  m_buckets.swap(merged);
}

void TimelineBuilder::rss(std::uint64_t timeUs, std::uint64_t rssBytes) {
  m_rss.push_back(RssPoint{timeUs, rssBytes});
  if (m_rss.size() > 4 * m_maxBuckets) {  // halve, keeping the larger of each pair
    std::vector<RssPoint> kept;
    kept.reserve(m_rss.size() / 2 + 1);
    for (std::size_t i = 0; i + 1 < m_rss.size(); i += 2) {
      kept.push_back(m_rss[i].bytes >= m_rss[i + 1].bytes ? m_rss[i] : m_rss[i + 1]);
    }
    if (m_rss.size() % 2 == 1) kept.push_back(m_rss.back());
    m_rss.swap(kept);
  }
}

std::vector<model::TimelinePoint> TimelineBuilder::points(std::uint64_t endUs) const {
  struct Raw {
    std::uint64_t t;
    std::uint64_t heap;
  };
  std::vector<Raw> heapPoints;
  heapPoints.reserve(m_buckets.size() * 2 + 2);
  heapPoints.push_back(Raw{0, 0});
  for (const Bucket& b : m_buckets) {
    heapPoints.push_back(Raw{b.maxTimeUs, b.maxBytes});
    if (b.endTimeUs != b.maxTimeUs || b.endBytes != b.maxBytes) {
      heapPoints.push_back(Raw{b.endTimeUs, b.endBytes});
    }
  }
  // An RSS sample becomes a point of its own when no heap event falls near it; the heap value
  // there is exact because nothing changed since the previous heap point.
  std::vector<model::TimelinePoint> out;
  out.reserve(heapPoints.size() + m_rss.size() + 1);
  std::size_t r = 0;
  std::uint64_t lastRss = 0;
  std::uint64_t heapNow = 0;
  auto emitRssUpTo = [&](std::uint64_t t, bool inclusive) {
    while (r < m_rss.size() && (m_rss[r].timeUs < t || (inclusive && m_rss[r].timeUs == t))) {
      lastRss = m_rss[r].bytes;
      const double ts = static_cast<double>(m_rss[r].timeUs) / 1e6;
      if (out.empty() || out.back().t < ts)
        out.push_back({ts, heapNow, lastRss});
      else
        out.back().rssBytes = lastRss;
      ++r;
    }
  };
  for (const Raw& p : heapPoints) {
    emitRssUpTo(p.t, false);
    const double ts = static_cast<double>(p.t) / 1e6;
    heapNow = p.heap;
    // Two heap points may share a time (a bucket's maximum and its end, in the same
    // microsecond): keep both, so the peak is never overwritten.
    out.push_back({ts, p.heap, lastRss});
  }
  emitRssUpTo(~std::uint64_t{0}, true);
  const double end = static_cast<double>(endUs) / 1e6;
  if (out.empty() || out.back().t < end) out.push_back({end, heapNow, lastRss});
  return out;
}

}  // namespace memprof::aggregate
