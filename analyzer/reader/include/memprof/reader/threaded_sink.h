// SPDX-License-Identifier: MIT
/// @brief Hands another sink's callbacks to a second thread, in the order they were made.
///
/// Reading a log (zstd, column join, varint decoding, the sequence merge) and replaying it
/// (the live-block table, per-stack figures, the timeline) each take about half of an
/// analysis. On a machine with two cores they can overlap: readLog() runs on the caller's
/// thread and pushes into a ThreadedSink, whose worker thread delivers every callback to the
/// wrapped sink, in the same order. Heap events travel in batches of plain values; the rarer
/// callbacks travel as closures placed between them.
///
/// Thread-safety: the EventSink side is for one producer thread. The wrapped sink is only
/// touched by the worker, and by nobody else until finish() returns. An exception thrown by the
/// wrapped sink stops the worker and is rethrown to the producer, from its next callback or from
/// finish(). Destroying a ThreadedSink without finish() (the reader threw) stops the worker and
/// discards what was not delivered.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "memprof/reader/events.h"

namespace memprof::reader {

class ThreadedSink final : public EventSink {
 public:
  explicit ThreadedSink(EventSink& target, std::size_t batchEvents = 32768);
  ~ThreadedSink() override;
  ThreadedSink(const ThreadedSink&) = delete;
  ThreadedSink& operator=(const ThreadedSink&) = delete;

  void onProcess(const ProcessInfo& p) override;
  void onThreadStart(std::uint32_t stream, std::uint64_t tid) override;
  void onThreadName(std::uint32_t stream, const std::string& name) override;
  void onStackNode(const StackNode& n) override;
  void onModules(const ModuleSnapshot& s) override;
  void onHeapEvent(const HeapEvent& e) override;
  void onRss(std::uint64_t timeUs, std::uint64_t bytes) override;
  void onPeakRss(std::uint64_t bytes) override;
  void onSample(const Sample& s) override;
  void onSamplerInfo(const SamplerInfo& s) override;
  void onExit(const ExitInfo& e) override;
  void onLeakVerdicts(const std::vector<LeakVerdict>& v) override;
  void onEndOfLog() override;

  /// Delivers everything still queued and waits for the worker; rethrows the wrapped sink's
  /// exception if it threw. Call once, after the last callback.
  void finish();

 private:
  /// A stack node (the common callback besides heap events, millions in a deep-stack log),
  /// to deliver before the heap event at index @c at; carried by value, no closure.
  struct PlacedNode {
    std::size_t at = 0;
    StackNode node;
  };
  /// A rarer callback, as a closure, to run before the heap event at index @c at and after the
  /// first @c nodesBefore nodes of the batch (which keeps its order among the nodes).
  struct Call {
    std::size_t at = 0;
    std::size_t nodesBefore = 0;
    std::function<void(EventSink&)> call;
  };
  /// Heap events in order, and the other callbacks placed between them. `events` is sized
  /// once to the batch capacity and reused; the first `count` are this batch's.
  struct Batch {
    std::vector<HeapEvent> events;
    std::size_t count = 0;
    std::vector<PlacedNode> nodes;
    std::vector<Call> calls;
  };

  void defer(std::function<void(EventSink&)> call);
  void hand(bool last);
  void work();
  /// Delivers the nodes and calls of @p batch placed before its heap event @p at (cursors
  /// @p node and @p call advance).
  void deliverPlaced(const Batch& batch, std::size_t at, std::size_t& node, std::size_t& call);
  /// Delivers @p batch: runs of heap events (one onHeapEvents each) between its placed
  /// nodes and calls.
  void deliver(const Batch& batch);
  [[nodiscard]] Batch emptyBatch() const;
  void rethrowIfFailed();

  EventSink& m_target;
  std::size_t m_batchEvents;
  Batch m_filling;
  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::deque<Batch> m_queue;     // guarded by m_mutex
  std::vector<Batch> m_spare;    // emptied batches for reuse, guarded by m_mutex
  bool m_closed = false;         // guarded by m_mutex: no more batches will come
  bool m_stop = false;           // guarded by m_mutex: discard and leave
  std::exception_ptr m_failure;  // guarded by m_mutex
  bool m_finished = false;
  std::thread m_worker;  // last: started once everything above exists
};

}  // namespace memprof::reader
