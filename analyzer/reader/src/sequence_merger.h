// SPDX-License-Identifier: MIT
/// @brief Restores the global order of heap events from per-thread streams.
///
/// Every heap event carries a dense process-wide sequence number, and each thread's stream is
/// already in order; so this is a k-way merge over the streams' heads (O(log threads) per event,
/// where a heap of all waiting events would cost O(log window)). Events arriving in order pass
/// straight through. If a number never arrives (a thread died between taking it and writing the
/// event), the window is capped and the merger skips ahead, so memory stays bounded.
#pragma once

#include <cstdint>
#include <deque>
#include <queue>
#include <unordered_map>
#include <vector>

#include "memprof/reader/events.h"

namespace memprof::reader {

class SequenceMerger {
 public:
  /// Delivers the merged events to @p sink's onHeapEvent (a direct call: this is per event).
  explicit SequenceMerger(EventSink& sink, std::size_t maxWindow = 8U << 20)
      : m_sink(sink), m_maxWindow(maxWindow) {}

  void push(const HeapEvent& event);
  /// Delivers everything still waiting, in order (end of input).
  void finish();
  [[nodiscard]] std::uint64_t skippedNumbers() const { return m_skipped; }

 private:
  struct Head {
    std::uint64_t seq;
    std::uint32_t stream;
    bool operator>(const Head& o) const { return seq > o.seq; }
  };
  void deliver(const HeapEvent& e) {
    if (e.kind != HeapEventKind::Gap) m_sink.onHeapEvent(e);
  }
  void release();
  void skipToEarliest();

  EventSink& m_sink;
  std::size_t m_maxWindow;
  std::uint64_t m_next = 0;
  std::uint64_t m_skipped = 0;
  std::size_t m_waiting = 0;
  std::unordered_map<std::uint32_t, std::deque<HeapEvent>> m_streams;    ///< waiting, in order
  std::priority_queue<Head, std::vector<Head>, std::greater<>> m_heads;  ///< one per non-empty
};

}  // namespace memprof::reader
