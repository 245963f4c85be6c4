// SPDX-License-Identifier: MIT
/// @brief Per-site heap replay following the contract's counting rules (as HeapReplay does).
#include "memprof/plot/site_timeline.h"

#include <algorithm>

namespace memprof::plot {

SiteTimeline::SiteTimeline(std::vector<std::int32_t> siteOfLeaf, std::size_t siteCount,
                           std::uint64_t endUs, std::size_t columns)
    : m_siteOfLeaf(std::move(siteOfLeaf)),
      m_rows(siteCount + 1),
      m_endUs(endUs),
      m_columnUs(std::max<std::uint64_t>(1, endUs / std::max<std::size_t>(columns, 1) + 1)),
      m_columns(std::max<std::size_t>(columns, 1)),
      m_live(m_rows, 0) {}

std::size_t SiteTimeline::rowOf(std::uint32_t stack) const {
  if (stack < m_siteOfLeaf.size() && m_siteOfLeaf[stack] >= 0) {
    return static_cast<std::size_t>(m_siteOfLeaf[stack]);
  }
  return m_rows - 1;
}

void SiteTimeline::onHeapEvent(const reader::HeapEvent& e) {
  // Same monotonic clock as HeapReplay: per-thread clocks interleave by microseconds.
  const std::uint64_t t = std::max(e.timeUs, m_lastTimeUs);
  m_lastTimeUs = t;
  aggregate::LiveBlock block;
  if (e.kind == reader::HeapEventKind::Alloc) {
    if (m_blocks.erase(e.ptr, &block)) {  // its free was never seen: retire it, as HeapReplay
      m_live[block.stack] -= block.size;
      m_total -= block.size;
    }
    const auto row = static_cast<std::uint32_t>(rowOf(e.stack));
    m_blocks.insert(e.ptr, aggregate::LiveBlock{e.size, row});
    m_live[row] += e.size;
    m_total += e.size;
  } else if (e.kind == reader::HeapEventKind::Free) {
    if (!m_blocks.erase(e.ptr, &block)) return;  // allocated before recording: not counted
    m_live[block.stack] -= block.size;
    m_total -= block.size;
  } else {
    return;
  }
  record(t);
}

void SiteTimeline::record(std::uint64_t timeUs) {
  const std::size_t c = std::min<std::size_t>(timeUs / m_columnUs, m_columns.size() - 1);
  Column& col = m_columns[c];
  if (!col.used || m_total > col.maxTotal) {
    col.maxTotal = m_total;
    col.maxTimeUs = timeUs;
    col.atMax = m_live;
  }
  col.used = true;
  col.endTimeUs = timeUs;
  col.atEnd = m_live;
}

StackedSites SiteTimeline::result(const std::vector<std::string>& siteLabels) const {
  StackedSites out;
  out.labels = siteLabels;
  out.labels.resize(m_rows - 1);
  out.labels.push_back("other");
  out.bytes.assign(m_rows, {});
  auto emit = [&](std::uint64_t timeUs, const std::vector<std::uint64_t>& values) {
    const double t = static_cast<double>(timeUs) / 1e6;
    if (!out.t.empty() && out.t.back() == t) {  // same instant: the later state wins
      for (std::size_t r = 0; r < m_rows; ++r) out.bytes[r].back() = values[r];
      return;
    }
    out.t.push_back(t);
    for (std::size_t r = 0; r < m_rows; ++r) out.bytes[r].push_back(values[r]);
  };
  std::vector<std::uint64_t> last(m_rows, 0);
  emit(0, last);
  for (const Column& col : m_columns) {
    if (!col.used) continue;
    emit(col.maxTimeUs, col.atMax);
    if (col.endTimeUs != col.maxTimeUs) emit(col.endTimeUs, col.atEnd);
    last = col.atEnd;
  }
  if (m_endUs > m_lastTimeUs) emit(m_endUs, last);
  return out;
}

}  // namespace memprof::plot
