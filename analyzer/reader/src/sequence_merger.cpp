// SPDX-License-Identifier: MIT
/// @brief Sequence-number reordering of heap events.
#include "sequence_merger.h"

namespace memprof::reader {

void SequenceMerger::push(const HeapEvent& event) {
  if (event.seq == m_next) {
    if (event.kind != HeapEventKind::Gap) m_deliver(event);
    ++m_next;
    release();
    return;
  }
  if (event.seq < m_next) {  // duplicate or from before a skip: deliver late rather than lose it
    if (event.kind != HeapEventKind::Gap) m_deliver(event);
    return;
  }
  m_waiting.push(event);
  if (m_waiting.size() > m_maxWindow) {
    m_skipped += m_waiting.top().seq - m_next;
    m_next = m_waiting.top().seq;
    release();
  }
}

void SequenceMerger::release() {
  while (!m_waiting.empty() && m_waiting.top().seq <= m_next) {
    const HeapEvent e = m_waiting.top();
    m_waiting.pop();
    if (e.kind != HeapEventKind::Gap) m_deliver(e);
    if (e.seq == m_next) ++m_next;
  }
}

void SequenceMerger::finish() {
  while (!m_waiting.empty()) {
    if (m_waiting.top().seq > m_next) {
      m_skipped += m_waiting.top().seq - m_next;
      m_next = m_waiting.top().seq;
    }
    release();
  }
}

}  // namespace memprof::reader
