// SPDX-License-Identifier: MIT
/// @brief Event replay following the counting rules of the contract.
#include "memprof/aggregate/heap_replay.h"

#include <algorithm>

namespace memprof::aggregate {

void HeapReplay::onProcess(const reader::ProcessInfo& p) { m_process = p; }

void HeapReplay::onStackNode(const reader::StackNode& n) {
  if (n.id >= m_nodes.size()) m_nodes.resize(std::size_t{n.id} + 1);
  m_nodes[n.id] = NodeRecord{n.ip, n.parent, n.generation};
}

void HeapReplay::onModules(const reader::ModuleSnapshot& s) { m_modules[s.generation] = s; }

void HeapReplay::onHeapEvent(const reader::HeapEvent& e) {
  prefetchFor(e);
  if (m_pendingCount == kPipeline) {
    apply(m_pending[m_pendingHead]);
    m_pending[m_pendingHead] = e;
    m_pendingHead = (m_pendingHead + 1) % kPipeline;
    return;
  }
  m_pending[(m_pendingHead + m_pendingCount) % kPipeline] = e;
  ++m_pendingCount;
}

void HeapReplay::onHeapEvents(const reader::HeapEvent* events, std::size_t count) {
  // A run in memory needs no copies into the pipeline: look kPipeline events ahead in it.
  drainPending();
  for (std::size_t i = 0; i < count && i < kPipeline; ++i) prefetchFor(events[i]);
  for (std::size_t i = 0; i < count; ++i) {
    if (i + kPipeline < count) prefetchFor(events[i + kPipeline]);
    apply(events[i]);
  }
}

void HeapReplay::drainPending() {
  for (; m_pendingCount > 0; --m_pendingCount) {
    apply(m_pending[m_pendingHead]);
    m_pendingHead = (m_pendingHead + 1) % kPipeline;
  }
}

void HeapReplay::apply(const reader::HeapEvent& e) {
  // Per-thread clocks interleave by a few microseconds; keep the merged timeline monotonic.
  const std::uint64_t t = std::max(e.timeUs, m_lastTimeUs);
  m_lastTimeUs = t;
  m_endUs = std::max(m_endUs, t);
  if (e.kind == reader::HeapEventKind::Alloc) {
    LiveBlock stale;
    if (m_live.insertReplacing(e.ptr, LiveBlock{e.size, e.stack}, &stale)) {
      // The address is live already: its free was never seen (freed by a path we do not
      // intercept). Retire the old block so figures stay consistent.
      StackFigures& old = figures(stale.stack);
      touch(old);
      old.liveBytes -= stale.size;
      old.liveCount -= 1;
      m_heap -= stale.size;
    }
    StackFigures& f = figures(e.stack);
    touch(f);
    f.allocations += 1;
    f.bytes += e.size;
    f.liveBytes += e.size;
    f.liveCount += 1;
    ++m_allocations;
    m_bytesAllocated += e.size;
    m_heap += e.size;
    if (m_heap > m_peakHeap) {
      m_peakHeap = m_heap;
      m_peakTimeUs = t;
      ++m_peakGeneration;  // every stack's current live bytes are now its peak figure
    }
  } else if (e.kind == reader::HeapEventKind::Free) {
    LiveBlock block;
    if (!m_live.erase(e.ptr, &block)) {
      ++m_unmatchedFrees;  // allocated before recording started, or by a foreign allocator
      return;
    }
    StackFigures& f = figures(block.stack);
    touch(f);
    f.liveBytes -= block.size;
    f.liveCount -= 1;
    m_heap -= block.size;
    ++m_frees;
  }
  m_timeline.heap(t, m_heap);
}

void HeapReplay::onRss(std::uint64_t timeUs, std::uint64_t bytes) {
  m_timeline.rss(timeUs, bytes);
  m_endUs = std::max(m_endUs, timeUs);
  if (bytes > m_peakRss) {
    m_peakRss = bytes;
    m_peakRssTimeUs = timeUs;
  }
}

void HeapReplay::onPeakRss(std::uint64_t bytes) {
  // Exact maximum from the kernel; its time is not known, so the sampled peak's time stays.
  m_peakRss = std::max(m_peakRss, bytes);
}

void HeapReplay::onSample(const reader::Sample& s) {
  figures(s.stack).samples += s.weight;
  m_samples += s.weight;
  m_endUs = std::max(m_endUs, s.timeUs);
}

void HeapReplay::onSamplerInfo(const reader::SamplerInfo& info) {
  m_samplerInfo = info;
  m_hasSamplerInfo = true;
}

void HeapReplay::onExit(const reader::ExitInfo& e) {
  m_exits.push_back(e);
  m_endUs = std::max(m_endUs, e.timeUs);
}

void HeapReplay::onLeakVerdicts(const std::vector<reader::LeakVerdict>& v) {
  for (const auto& verdict : v) m_verdicts[verdict.ptr] = static_cast<int>(verdict.kind);
}

void HeapReplay::finish() {
  drainPending();
  m_stacks.forEachMutable([this](StackFigures& f) { touch(f); });
  m_live.forEach([this](std::uint64_t ptr, const LiveBlock& b) {
    int kind = -1;  // not scanned
    if (auto it = m_verdicts.find(ptr); it != m_verdicts.end()) kind = it->second;
    LeakGroup& g = m_leaks[{b.stack, kind}];
    g.bytes += b.size;
    g.count += 1;
  });
}

}  // namespace memprof::aggregate
