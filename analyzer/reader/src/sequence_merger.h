// SPDX-License-Identifier: MIT
/// @brief Restores the global order of heap events from per-thread streams.
///
/// Every heap event carries a dense process-wide sequence number. Events arriving in order pass
/// straight through; early ones wait in a min-heap until the gap before them fills. If a number
/// never arrives (a thread died between taking it and writing the event), the window is capped
/// and the merger skips ahead with a warning, so memory stays bounded.
#pragma once

#include <cstdint>
#include <functional>
#include <queue>
#include <vector>

#include "memprof/reader/events.h"

namespace memprof::reader {

class SequenceMerger {
 public:
  using Deliver = std::function<void(const HeapEvent&)>;
  explicit SequenceMerger(Deliver deliver, std::size_t maxWindow = 8U << 20)
      : m_deliver(std::move(deliver)), m_maxWindow(maxWindow) {}

  void push(const HeapEvent& event);
  /// Delivers everything still waiting, in order (end of input).
  void finish();
  [[nodiscard]] std::uint64_t skippedNumbers() const { return m_skipped; }

 private:
  void release();
  struct Later {
    bool operator()(const HeapEvent& a, const HeapEvent& b) const { return a.seq > b.seq; }
  };
  Deliver m_deliver;
  std::size_t m_maxWindow;
  std::uint64_t m_next = 0;
  std::uint64_t m_skipped = 0;
  std::priority_queue<HeapEvent, std::vector<HeapEvent>, Later> m_waiting;
};

}  // namespace memprof::reader
