// SPDX-License-Identifier: MIT
/// @brief Replays a log's events: live blocks, per-stack figures, the peak, the timeline.
///
/// Memory grows with distinct stacks and live blocks, never with the number of events.
/// Bytes live at the peak are captured lazily: each stack remembers the peak generation of its
/// last change, and a stack that has not changed since the latest peak still holds its value
/// from that moment; so a new peak costs O(1), not a snapshot of every stack.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "memprof/aggregate/chunked_vector.h"
#include "memprof/aggregate/pointer_map.h"
#include "memprof/aggregate/stack_figure_table.h"
#include "memprof/aggregate/timeline_builder.h"
#include "memprof/reader/events.h"

namespace memprof::aggregate {

/// A stack node as the replay keeps it, indexed by its id: 16 bytes, not the reader's 24.
struct NodeRecord {
  std::uint64_t ip = 0;
  std::uint32_t parent = 0;
  std::uint32_t generation = 0;
};

class HeapReplay : public reader::EventSink {
 public:
  void onProcess(const reader::ProcessInfo& p) override;
  void onStackNode(const reader::StackNode& n) override;
  void onModules(const reader::ModuleSnapshot& s) override;
  void onHeapEvent(const reader::HeapEvent& e) override;
  void onHeapEvents(const reader::HeapEvent* events, std::size_t count) override;
  void onRss(std::uint64_t timeUs, std::uint64_t bytes) override;
  void onPeakRss(std::uint64_t bytes) override;
  void onSample(const reader::Sample& s) override;
  void onSamplerInfo(const reader::SamplerInfo& info) override;
  void onExit(const reader::ExitInfo& e) override;
  void onLeakVerdicts(const std::vector<reader::LeakVerdict>& v) override;
  void onEndOfLog() override { drainPending(); }

  /// Settles peak figures; call once after the whole log was read.
  void finish();

  // Results.
  const reader::ProcessInfo& process() const { return m_process; }
  using NodeTable = ChunkedVector<NodeRecord>;
  const NodeTable& nodes() const { return m_nodes; }  ///< by id
  const std::map<std::uint32_t, reader::ModuleSnapshot>& modules() const { return m_modules; }
  const StackFigureTable& stacks() const { return m_stacks; }  ///< by leaf node id
  /// Unfreed blocks at the end, per leaf stack and leak kind.
  struct LeakGroup {
    std::uint64_t bytes = 0;
    std::uint64_t count = 0;
  };
  const std::map<std::pair<std::uint32_t, int>, LeakGroup>& leakGroups() const { return m_leaks; }
  bool haveLeakVerdicts() const { return !m_verdicts.empty(); }

  std::uint64_t allocations() const { return m_allocations; }
  std::uint64_t frees() const { return m_frees; }
  std::uint64_t unmatchedFrees() const { return m_unmatchedFrees; }
  std::uint64_t bytesAllocated() const { return m_bytesAllocated; }
  std::uint64_t peakHeap() const { return m_peakHeap; }
  std::uint64_t peakTimeUs() const { return m_peakTimeUs; }
  std::uint64_t leakedBytes() const { return m_heap; }
  std::uint64_t leakedCount() const { return m_live.size(); }
  std::uint64_t peakRss() const { return m_peakRss; }
  std::uint64_t peakRssTimeUs() const { return m_peakRssTimeUs; }
  std::uint64_t endTimeUs() const { return m_endUs; }
  std::uint64_t cpuSamples() const { return m_samples; }
  const reader::SamplerInfo& samplerInfo() const { return m_samplerInfo; }
  bool hasSamplerInfo() const { return m_hasSamplerInfo; }
  const std::vector<reader::ExitInfo>& exits() const { return m_exits; }
  const TimelineBuilder& timeline() const { return m_timeline; }

 private:
  /// Heap events wait here a few steps after their memory was prefetched: with millions of
  /// live blocks every event is a cache miss in the live-block table, and replaying events
  /// as they arrive would wait for each in turn.
  static constexpr std::size_t kPipeline = 16;
  void apply(const reader::HeapEvent& e);
  /// (always_inline: see PointerMap::prefetch.)
  [[gnu::always_inline]] void prefetchFor(const reader::HeapEvent& e) const {
    m_live.prefetch(e.ptr);
    if (e.kind == reader::HeapEventKind::Alloc) m_stacks.prefetch(e.stack);
  }
  void drainPending();
  reader::HeapEvent m_pending[kPipeline];
  std::size_t m_pendingHead = 0;
  std::size_t m_pendingCount = 0;

  StackFigures& figures(std::uint32_t stack) { return m_stacks.at(stack); }
  void touch(StackFigures& f) {
    if (f.peakStamp != m_peakGeneration) {
      f.peakBytes = f.liveBytes;  // unchanged since the latest peak: that was its value then
      f.peakStamp = m_peakGeneration;
    }
  }

  reader::ProcessInfo m_process;
  NodeTable m_nodes;
  std::map<std::uint32_t, reader::ModuleSnapshot> m_modules;
  StackFigureTable m_stacks;
  PointerMap m_live;
  TimelineBuilder m_timeline;
  std::unordered_map<std::uint64_t, int> m_verdicts;
  std::map<std::pair<std::uint32_t, int>, LeakGroup> m_leaks;
  std::vector<reader::ExitInfo> m_exits;
  reader::SamplerInfo m_samplerInfo;
  bool m_hasSamplerInfo = false;

  std::uint64_t m_heap = 0;
  std::uint64_t m_peakHeap = 0;
  std::uint64_t m_peakTimeUs = 0;
  std::uint64_t m_peakGeneration = 0;
  std::uint64_t m_allocations = 0;
  std::uint64_t m_frees = 0;
  std::uint64_t m_unmatchedFrees = 0;
  std::uint64_t m_bytesAllocated = 0;
  std::uint64_t m_peakRss = 0;
  std::uint64_t m_peakRssTimeUs = 0;
  std::uint64_t m_endUs = 0;
  std::uint64_t m_lastTimeUs = 0;
  std::uint64_t m_samples = 0;
};

}  // namespace memprof::aggregate
