// SPDX-License-Identifier: MIT
/// @brief Hands every event of one read to several sinks (one pass over the log for all).
#pragma once

#include <vector>

#include "memprof/reader/events.h"

namespace memprof::plot {

class TeeSink : public reader::EventSink {
 public:
  void add(reader::EventSink& sink) { m_sinks.push_back(&sink); }

  void onProcess(const reader::ProcessInfo& p) override {
    each([&](auto* s) { s->onProcess(p); });
  }
  void onThreadStart(std::uint32_t st, std::uint64_t tid) override {
    each([&](auto* s) { s->onThreadStart(st, tid); });
  }
  void onThreadName(std::uint32_t st, const std::string& n) override {
    each([&](auto* s) { s->onThreadName(st, n); });
  }
  void onStackNode(const reader::StackNode& n) override {
    each([&](auto* s) { s->onStackNode(n); });
  }
  void onModules(const reader::ModuleSnapshot& m) override {
    each([&](auto* s) { s->onModules(m); });
  }
  void onHeapEvent(const reader::HeapEvent& e) override {
    each([&](auto* s) { s->onHeapEvent(e); });
  }
  void onRss(std::uint64_t t, std::uint64_t b) override {
    each([&](auto* s) { s->onRss(t, b); });
  }
  void onSample(const reader::Sample& x) override {
    each([&](auto* s) { s->onSample(x); });
  }
  void onSamplerInfo(const reader::SamplerInfo& i) override {
    each([&](auto* s) { s->onSamplerInfo(i); });
  }
  void onExit(const reader::ExitInfo& e) override {
    each([&](auto* s) { s->onExit(e); });
  }
  void onEndOfLog() override {
    each([](auto* s) { s->onEndOfLog(); });
  }
  void onLeakVerdicts(const std::vector<reader::LeakVerdict>& v) override {
    each([&](auto* s) { s->onLeakVerdicts(v); });
  }

 private:
  template <typename F>
  void each(F&& f) {
    for (reader::EventSink* s : m_sinks) f(s);
  }
  std::vector<reader::EventSink*> m_sinks;
};

}  // namespace memprof::plot
