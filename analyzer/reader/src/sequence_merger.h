// SPDX-License-Identifier: MIT
/// @brief Restores the global order of heap events from per-thread streams.
///
/// Every heap event carries a dense process-wide sequence number, and each thread's stream is
/// already in order. An event that arrives before its turn waits in a window indexed by its
/// number (slot = number mod the window's size), and the merger releases the window's run of
/// present numbers from the next one due: O(1) per event, one sequential sweep, no per-stream
/// queues or heaps. (With several busy threads nearly every event waits for the other threads'
/// chunks: session 4's queue-and-heap merge was a fifth of reading a two-thread log.) Events
/// arriving in order pass straight through.
///
/// The window grows by doubling as far as the farthest waiting number requires, up to
/// @c maxWindow numbers ahead of the next one due. If a number never arrives (a thread died
/// between taking it and writing the event), an event beyond that distance makes the merger
/// skip ahead (counted in skippedNumbers()), so memory stays bounded. A number that arrives
/// after its turn was skipped, or a second event with a waiting event's number (corrupt
/// input), is delivered at once: late rather than lost.
#pragma once

#include <cstdint>
#include <vector>

#include "memprof/reader/events.h"

namespace memprof::reader {

class SequenceMerger {
 public:
  /// Delivers the merged events to @p sink's onHeapEvent (a direct call: this is per event).
  explicit SequenceMerger(EventSink& sink, std::size_t maxWindow = 8U << 20);

  void push(const HeapEvent& event) {
    // In order with nothing waiting (one thread, or threads taking turns): straight through,
    // inline, as this is per event.
    if (event.seq == m_next && m_waiting == 0) {
      deliver(event);
      ++m_next;
      return;
    }
    pushSlow(event);
  }
  /// Delivers everything still waiting, in order (end of input).
  void finish();
  [[nodiscard]] std::uint64_t skippedNumbers() const { return m_skipped; }

 private:
  void deliver(const HeapEvent& e) {
    if (e.kind != HeapEventKind::Gap) m_sink.onHeapEvent(e);
  }
  /// push() for an event that is late, early, or due while others wait.
  void pushSlow(const HeapEvent& event);
  /// Delivers the run of waiting events from m_next on.
  void release();
  /// Moves m_next on by one: delivers the event numbered m_next if it waits, else counts the
  /// number as skipped.
  void passNext();
  /// Moves m_next to @p target, delivering what waits before it and counting the numbers
  /// that never came.
  void skipTo(std::uint64_t target);
  /// Makes the window at least @p ahead + 1 slots (a power of two), keeping what waits.
  void grow(std::uint64_t ahead);
  [[nodiscard]] std::size_t slotOf(std::uint64_t seq) const {
    return static_cast<std::size_t>(seq) & (m_window.size() - 1);
  }

  EventSink& m_sink;
  std::uint64_t m_maxWindow;  ///< a power of two
  std::uint64_t m_next = 0;
  std::uint64_t m_skipped = 0;
  std::size_t m_waiting = 0;
  std::vector<HeapEvent> m_window;  ///< event numbered n at slotOf(n), if m_present there
  std::vector<std::uint8_t> m_present;
};

}  // namespace memprof::reader
