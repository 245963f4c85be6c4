// SPDX-License-Identifier: MIT
/// @brief Merge of per-thread heap events by sequence number, through a numbered window.
#include "sequence_merger.h"

#include <algorithm>
#include <bit>

#include "event_copy.h"

namespace memprof::reader {

namespace {
constexpr std::uint64_t kFirstWindow = 1U << 12;
}

SequenceMerger::SequenceMerger(EventSink& sink, std::size_t maxWindow)
    : m_sink(sink), m_maxWindow(std::bit_ceil(std::max<std::uint64_t>(maxWindow, 2))) {}

void SequenceMerger::pushSlow(const HeapEvent& event) {
  // Beyond the largest window ahead, the numbers it jumps over are given up first.
  if (event.seq > m_next && event.seq - m_next >= m_maxWindow) {
    skipTo(event.seq - m_maxWindow + 1);
  }
  if (event.seq < m_next) {
    deliver(event);  // its turn was skipped: late rather than lost
    return;
  }
  if (event.seq == m_next) {
    // In order: with nothing waiting (one thread, or threads taking turns) that is all.
    deliver(event);
    ++m_next;
    if (m_waiting > 0) release();
    return;
  }
  const std::uint64_t ahead = event.seq - m_next;
  if (ahead >= m_window.size()) grow(ahead);
  const std::size_t slot = slotOf(event.seq);
  if (m_present[slot] != 0) {
    deliver(event);  // a second event with this number (corrupt input): late, not lost
    return;
  }
  copyEvent(m_window[slot], event);  // (see event_copy.h)
  m_present[slot] = 1;
  ++m_waiting;
}

void SequenceMerger::release() {
  while (m_waiting > 0) {
    const std::size_t slot = slotOf(m_next);
    if (m_present[slot] == 0) return;
    m_present[slot] = 0;
    --m_waiting;
    deliver(m_window[slot]);
    ++m_next;
  }
}

void SequenceMerger::passNext() {
  const std::size_t slot = slotOf(m_next);
  if (m_present[slot] != 0) {
    m_present[slot] = 0;
    --m_waiting;
    deliver(m_window[slot]);
  } else {
    ++m_skipped;
  }
  ++m_next;
}

void SequenceMerger::skipTo(std::uint64_t target) {
  // Slot by slot only while something waits (at most one window's sweep); then jump.
  while (m_next < target && m_waiting > 0) passNext();
  if (m_next < target) {
    m_skipped += target - m_next;
    m_next = target;
  }
  release();
}

void SequenceMerger::grow(std::uint64_t ahead) {
  const std::size_t size = static_cast<std::size_t>(
      std::min(m_maxWindow, std::bit_ceil(std::max(ahead + 1, kFirstWindow))));
  std::vector<HeapEvent> window(size);
  std::vector<std::uint8_t> present(size, 0);
  for (std::size_t i = 0; i < m_window.size(); ++i) {
    if (m_present[i] == 0) continue;
    const std::size_t slot = static_cast<std::size_t>(m_window[i].seq) & (size - 1);
    window[slot] = m_window[i];
    present[slot] = 1;
  }
  m_window.swap(window);
  m_present.swap(present);
}

void SequenceMerger::finish() {
  // Everything waiting lies within one window of m_next; numbers missing before a waiting
  // event count as skipped, the ones after the last never existed.
  while (m_waiting > 0) passNext();
}

}  // namespace memprof::reader
