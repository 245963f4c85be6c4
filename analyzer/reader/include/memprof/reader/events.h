// SPDX-License-Identifier: MIT
/// @brief Decoded log events, as the reader hands them to the aggregation (value types).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "memprof/format/records.h"

namespace memprof::reader {

struct ProcessInfo {
  std::uint64_t pid = 0;
  std::uint64_t ppid = 0;
  std::uint64_t startRealtimeUs = 0;
  std::uint64_t pageSize = 4096;
  std::uint64_t sampleHz = 0;
  std::string exe;
  std::vector<std::string> argv;
};

struct Segment {
  std::uint64_t vaddr = 0;
  std::uint64_t memsz = 0;
  std::uint32_t flags = 0;
};

struct Module {
  std::string path;
  std::string buildId;  ///< raw bytes
  std::uint64_t base = 0;
  std::vector<Segment> segments;
};

struct ModuleSnapshot {
  std::uint32_t generation = 0;
  std::vector<Module> modules;
};

enum class HeapEventKind : std::uint8_t { Alloc, Free, Gap };

/// One heap event; delivered in sequence-number order (the order the calls happened).
struct HeapEvent {
  std::uint64_t seq = 0;
  std::uint64_t timeUs = 0;
  std::uint64_t ptr = 0;
  std::uint64_t size = 0;
  std::uint32_t stack = 0;   ///< innermost stack node (0 = none)
  std::uint32_t stream = 0;  ///< thread stream id
  HeapEventKind kind = HeapEventKind::Alloc;
  format::AllocFn fn = format::AllocFn::Malloc;
};

struct StackNode {
  std::uint32_t id = 0;
  std::uint32_t parent = 0;
  std::uint64_t ip = 0;
  std::uint32_t generation = 0;
};

struct Sample {
  std::uint64_t timeUs = 0;
  std::uint32_t stack = 0;
  std::uint32_t stream = 0;
  std::uint64_t weight = 1;
};

struct SamplerInfo {
  std::uint64_t requestedHz = 0;
  std::uint64_t achievedHz = 0;
  std::uint32_t clock = 0;  ///< 0 cpu, 1 wall
  std::string note;
};

struct ExitInfo {
  format::ExitKind kind = format::ExitKind::Exited;
  std::uint64_t value = 0;
  std::uint64_t timeUs = 0;
};

struct LeakVerdict {
  std::uint64_t ptr = 0;
  format::LeakKind kind = format::LeakKind::Definite;
};

/// Receives everything the reader decodes. Heap events arrive in sequence order; the other
/// callbacks arrive in file order (stack nodes always before the events that use them).
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void onProcess(const ProcessInfo&) {}
  virtual void onThreadStart(std::uint32_t /*stream*/, std::uint64_t /*tid*/) {}
  virtual void onThreadName(std::uint32_t /*stream*/, const std::string& /*name*/) {}
  virtual void onStackNode(const StackNode&) {}
  virtual void onModules(const ModuleSnapshot&) {}
  virtual void onHeapEvent(const HeapEvent&) {}
  /// A run of consecutive heap events, with no other callback between them: the same as
  /// onHeapEvent on each, in order. A sink that does per-event work overrides it to save a
  /// virtual call per event and to look ahead in the run (ThreadedSink delivers runs).
  virtual void onHeapEvents(const HeapEvent* events, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) onHeapEvent(events[i]);
  }
  virtual void onRss(std::uint64_t /*timeUs*/, std::uint64_t /*bytes*/) {}
  /// The kernel's exact peak RSS (VmHWM) at exit.
  virtual void onPeakRss(std::uint64_t /*bytes*/) {}
  virtual void onSample(const Sample&) {}
  virtual void onSamplerInfo(const SamplerInfo&) {}
  virtual void onExit(const ExitInfo&) {}
  virtual void onLeakVerdicts(const std::vector<LeakVerdict>&) {}
  /// After the last record readLog delivers (also for a log cut short; not after an error).
  virtual void onEndOfLog() {}
};

}  // namespace memprof::reader
