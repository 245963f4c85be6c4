// SPDX-License-Identifier: MIT
/// @brief ThreadedSink: same callbacks, same order, on another thread; failures come back.
#include <boost/test/unit_test.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "memprof/reader/threaded_sink.h"

using namespace memprof::reader;

namespace {

/// Writes down every callback as text, and which thread made it.
class Journal : public EventSink {
 public:
  void onProcess(const ProcessInfo& p) override { note("process " + std::to_string(p.pid)); }
  void onThreadStart(std::uint32_t s, std::uint64_t tid) override {
    note("thread " + std::to_string(s) + " " + std::to_string(tid));
  }
  void onThreadName(std::uint32_t s, const std::string& n) override {
    note("name " + std::to_string(s) + " " + n);
  }
  void onStackNode(const StackNode& n) override {
    note("node " + std::to_string(n.id) + " " + std::to_string(n.parent) + " " +
         std::to_string(n.ip));
  }
  void onModules(const ModuleSnapshot& s) override {
    note("modules " + std::to_string(s.generation) + " " + s.modules.at(0).path);
  }
  void onHeapEvent(const HeapEvent& e) override {
    if (e.seq == failAtSeq) throw std::runtime_error("sink failed");
    note("heap " + std::to_string(e.seq) + " " + std::to_string(e.ptr) + " " +
         std::to_string(e.size) + " " + std::to_string(e.stack));
  }
  void onRss(std::uint64_t t, std::uint64_t b) override {
    note("rss " + std::to_string(t) + " " + std::to_string(b));
  }
  void onPeakRss(std::uint64_t b) override { note("peak " + std::to_string(b)); }
  void onSample(const Sample& s) override { note("sample " + std::to_string(s.stack)); }
  void onSamplerInfo(const SamplerInfo& i) override { note("sampler " + i.note); }
  void onExit(const ExitInfo& e) override { note("exit " + std::to_string(e.value)); }
  void onLeakVerdicts(const std::vector<LeakVerdict>& v) override {
    note("verdicts " + std::to_string(v.size()));
  }
  void onEndOfLog() override { note("end"); }

  std::vector<std::string> lines;
  std::vector<std::thread::id> threads;
  std::uint64_t failAtSeq = ~std::uint64_t{0};

 private:
  void note(std::string line) {
    lines.push_back(std::move(line));
    threads.push_back(std::this_thread::get_id());
  }
};

/// Every kind of callback, interleaved with @p events heap events.
void feed(EventSink& sink, std::uint64_t events) {
  ProcessInfo p;
  p.pid = 42;
  sink.onProcess(p);
  ModuleSnapshot snap;
  snap.generation = 3;
  snap.modules.push_back(Module{"/bin/app", "", 0x1000, {}});
  sink.onModules(snap);
  sink.onThreadStart(1, 99);
  sink.onThreadName(1, "worker");
  for (std::uint64_t i = 0; i < events; ++i) {
    if (i % 7 == 0)
      sink.onStackNode(StackNode{static_cast<std::uint32_t>(i + 1), 0, 0x1000 + i, 3});
    HeapEvent e;
    e.seq = i;
    e.ptr = 0x10000 + 16 * i;
    e.size = i % 100;
    e.stack = static_cast<std::uint32_t>(i / 7 * 7 + 1);
    sink.onHeapEvent(e);
    if (i % 1000 == 0) sink.onRss(i, i * 4096);
    if (i % 333 == 0) sink.onSample(Sample{i, static_cast<std::uint32_t>(i), 1, 1});
  }
  sink.onPeakRss(123);
  sink.onSamplerInfo(SamplerInfo{1000, 999, 0, "ring"});
  sink.onExit(ExitInfo{});
  sink.onLeakVerdicts({LeakVerdict{}, LeakVerdict{}});
  sink.onEndOfLog();
}

}  // namespace

BOOST_AUTO_TEST_CASE(threaded_sink_delivers_the_same_callbacks_in_the_same_order) {
  for (const std::size_t batch : {std::size_t{1}, std::size_t{5}, std::size_t{4096}}) {
    Journal direct;
    feed(direct, 10000);
    Journal overlapped;
    {
      ThreadedSink sink(overlapped, batch);
      feed(sink, 10000);
      sink.finish();
    }
    BOOST_TEST_REQUIRE(overlapped.lines.size() == direct.lines.size());
    BOOST_TEST(overlapped.lines == direct.lines);
    // Delivered on the worker, not on the producer.
    for (const auto id : overlapped.threads) BOOST_TEST_REQUIRE(id != std::this_thread::get_id());
  }
}

BOOST_AUTO_TEST_CASE(threaded_sink_with_no_events_still_delivers_the_rest) {
  Journal direct;
  feed(direct, 0);
  Journal overlapped;
  ThreadedSink sink(overlapped);
  feed(sink, 0);
  sink.finish();
  BOOST_TEST(overlapped.lines == direct.lines);
}

BOOST_AUTO_TEST_CASE(threaded_sink_rethrows_what_the_wrapped_sink_threw) {
  Journal failing;
  failing.failAtSeq = 5000;
  ThreadedSink sink(failing, 64);
  BOOST_CHECK_THROW(
      {
        feed(sink, 100000);
        sink.finish();
      },
      std::runtime_error);
  // Nothing after the failing event was delivered.
  BOOST_TEST(failing.lines.back().rfind("heap 4999 ", 0) == 0);
}

BOOST_AUTO_TEST_CASE(threaded_sink_destroyed_without_finish_stops_its_worker) {
  Journal journal;
  {
    ThreadedSink sink(journal, 16);
    for (std::uint64_t i = 0; i < 1000; ++i) {
      HeapEvent e;
      e.seq = i;
      sink.onHeapEvent(e);
    }
    // The reader threw here: no finish(). The destructor must not hang or deliver more
    // than was handed over.
  }
  BOOST_TEST(journal.lines.size() <= 1000U);
}
