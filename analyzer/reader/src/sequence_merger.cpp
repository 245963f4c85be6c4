// SPDX-License-Identifier: MIT
/// @brief k-way merge of per-thread heap events by sequence number.
#include "sequence_merger.h"

namespace memprof::reader {

void SequenceMerger::push(const HeapEvent& event) {
  if (m_waiting == 0 && event.seq <= m_next) {
    // The common case, one thread or threads taking turns: nothing waits, so nothing to look
    // up and nothing to release after it.
    deliver(event);
    if (event.seq == m_next) ++m_next;
    return;
  }
  std::deque<HeapEvent>* queue = nullptr;
  if (auto it = m_streams.find(event.stream); it != m_streams.end() && !it->second.empty()) {
    queue = &it->second;  // earlier events of this stream wait: keep its order
  }
  if (queue == nullptr && event.seq <= m_next) {
    // In order (or a duplicate from before a skip: delivered late rather than lost).
    deliver(event);
    if (event.seq == m_next) ++m_next;
    release();
    return;
  }
  if (queue == nullptr) {
    queue = &m_streams[event.stream];
    m_heads.push(Head{event.seq, event.stream});
  }
  queue->push_back(event);
  ++m_waiting;
  if (m_waiting > m_maxWindow) skipToEarliest();
}

void SequenceMerger::release() {
  while (!m_heads.empty() && m_heads.top().seq <= m_next) {
    const Head head = m_heads.top();
    m_heads.pop();
    std::deque<HeapEvent>& queue = m_streams[head.stream];
    // Deliver this stream's run while it stays next in line.
    while (!queue.empty() && queue.front().seq <= m_next) {
      const HeapEvent e = queue.front();
      queue.pop_front();
      --m_waiting;
      deliver(e);
      if (e.seq == m_next) ++m_next;
    }
    if (!queue.empty()) m_heads.push(Head{queue.front().seq, head.stream});
  }
}

void SequenceMerger::skipToEarliest() {
  if (m_heads.empty()) return;
  if (m_heads.top().seq > m_next) {
    m_skipped += m_heads.top().seq - m_next;
    m_next = m_heads.top().seq;
  }
  release();
}

void SequenceMerger::finish() {
  while (!m_heads.empty()) skipToEarliest();
}

}  // namespace memprof::reader
