// SPDX-License-Identifier: MIT
/// @brief ThreadedSink: batches of callbacks from the reading thread to a replaying worker.
#include "memprof/reader/threaded_sink.h"

#include <algorithm>

#include "event_copy.h"

namespace memprof::reader {

namespace {
constexpr std::size_t kMaxQueuedBatches = 4;  // bounds memory; the reader waits beyond it

}  // namespace

ThreadedSink::ThreadedSink(EventSink& target, std::size_t batchEvents)
    : m_target(target), m_batchEvents(batchEvents == 0 ? 1 : batchEvents) {
  m_filling = emptyBatch();
  m_worker = std::thread([this] { work(); });
}

ThreadedSink::~ThreadedSink() {
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
    m_closed = true;
  }
  m_changed.notify_all();
  if (m_worker.joinable()) m_worker.join();
}

ThreadedSink::Batch ThreadedSink::emptyBatch() const {
  Batch b;
  b.events.resize(m_batchEvents);
  return b;
}

void ThreadedSink::rethrowIfFailed() {
  std::exception_ptr failure;
  {
    std::lock_guard lock(m_mutex);
    failure = m_failure;
  }
  if (failure) std::rethrow_exception(failure);
}

void ThreadedSink::defer(std::function<void(EventSink&)> call) {
  m_filling.calls.push_back(Call{m_filling.count, m_filling.nodes.size(), std::move(call)});
  // A log of samples and stack nodes has few heap events: hand over by calls too.
  if (m_filling.calls.size() >= m_batchEvents) hand(false);
}

void ThreadedSink::hand(bool last) {
  std::unique_lock lock(m_mutex);
  m_changed.wait(lock, [&] { return m_queue.size() < kMaxQueuedBatches || m_failure; });
  if (m_failure) {
    const std::exception_ptr failure = m_failure;
    lock.unlock();
    std::rethrow_exception(failure);
  }
  m_queue.push_back(std::move(m_filling));
  if (last) m_closed = true;
  if (!m_spare.empty()) {
    m_filling = std::move(m_spare.back());
    m_spare.pop_back();
  } else {
    m_filling = emptyBatch();
  }
  lock.unlock();
  m_changed.notify_all();
}

void ThreadedSink::deliverPlaced(const Batch& batch, std::size_t at, std::size_t& node,
                                 std::size_t& call) {
  for (;;) {
    const bool nodeDue = node < batch.nodes.size() && batch.nodes[node].at <= at;
    const bool callDue = call < batch.calls.size() && batch.calls[call].at <= at;
    if (!nodeDue && !callDue) return;
    // A call goes first once the nodes placed before it are out.
    if (callDue && (!nodeDue || batch.calls[call].nodesBefore <= node)) {
      batch.calls[call++].call(m_target);
    } else {
      m_target.onStackNode(batch.nodes[node++].node);
    }
  }
}

void ThreadedSink::deliver(const Batch& batch) {
  std::size_t node = 0, call = 0;
  std::size_t i = 0;
  for (;;) {
    deliverPlaced(batch, i, node, call);
    // The run goes up to the next placed node or call, or to the batch's end.
    std::size_t end = batch.count;
    if (node < batch.nodes.size()) end = std::min(end, batch.nodes[node].at);
    if (call < batch.calls.size()) end = std::min(end, batch.calls[call].at);
    if (end > i) m_target.onHeapEvents(batch.events.data() + i, end - i);
    if (end == batch.count) break;
    i = end;
  }
  deliverPlaced(batch, batch.count, node, call);
}

void ThreadedSink::work() {
  for (;;) {
    Batch batch;
    {
      std::unique_lock lock(m_mutex);
      m_changed.wait(lock, [&] { return m_stop || !m_queue.empty() || m_closed; });
      if (m_stop || (m_queue.empty() && m_closed)) return;
      batch = std::move(m_queue.front());
      m_queue.pop_front();
    }
    m_changed.notify_all();
    try {
      deliver(batch);
    } catch (...) {
      {
        std::lock_guard lock(m_mutex);
        m_failure = std::current_exception();
        m_queue.clear();
      }
      m_changed.notify_all();
      return;
    }
    batch.count = 0;
    batch.nodes.clear();
    batch.calls.clear();
    {
      std::lock_guard lock(m_mutex);
      if (m_spare.size() < kMaxQueuedBatches) m_spare.push_back(std::move(batch));
    }
  }
}

void ThreadedSink::finish() {
  if (m_finished) return;
  m_finished = true;
  hand(/*last=*/true);
  m_worker.join();
  rethrowIfFailed();
}

void ThreadedSink::onHeapEvent(const HeapEvent& e) {
  copyEvent(m_filling.events[m_filling.count], e);  // (not `=`: see event_copy.h)
  if (++m_filling.count == m_batchEvents) hand(false);
}

void ThreadedSink::onProcess(const ProcessInfo& p) {
  defer([p](EventSink& s) { s.onProcess(p); });
}
void ThreadedSink::onThreadStart(std::uint32_t stream, std::uint64_t tid) {
  defer([stream, tid](EventSink& s) { s.onThreadStart(stream, tid); });
}
void ThreadedSink::onThreadName(std::uint32_t stream, const std::string& name) {
  defer([stream, name](EventSink& s) { s.onThreadName(stream, name); });
}
void ThreadedSink::onStackNode(const StackNode& n) {
  m_filling.nodes.push_back(PlacedNode{m_filling.count, n});
  if (m_filling.nodes.size() >= m_batchEvents) hand(false);
}
void ThreadedSink::onModules(const ModuleSnapshot& snapshot) {
  defer([snapshot](EventSink& s) { s.onModules(snapshot); });
}
void ThreadedSink::onRss(std::uint64_t timeUs, std::uint64_t bytes) {
  defer([timeUs, bytes](EventSink& s) { s.onRss(timeUs, bytes); });
}
void ThreadedSink::onPeakRss(std::uint64_t bytes) {
  defer([bytes](EventSink& s) { s.onPeakRss(bytes); });
}
void ThreadedSink::onSample(const Sample& sample) {
  defer([sample](EventSink& s) { s.onSample(sample); });
}
void ThreadedSink::onSamplerInfo(const SamplerInfo& info) {
  defer([info](EventSink& s) { s.onSamplerInfo(info); });
}
void ThreadedSink::onExit(const ExitInfo& e) {
  defer([e](EventSink& s) { s.onExit(e); });
}
void ThreadedSink::onLeakVerdicts(const std::vector<LeakVerdict>& v) {
  defer([v](EventSink& s) { s.onLeakVerdicts(v); });
}
void ThreadedSink::onEndOfLog() {
  defer([](EventSink& s) { s.onEndOfLog(); });
}

}  // namespace memprof::reader
