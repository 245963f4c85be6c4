// SPDX-License-Identifier: MIT
/// @brief The analysis result every presenter renders: plain value types, no behaviour.
/// Field meanings follow the JSON report of the contract (docs/user-guide.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "memprof/model/frame_stack.h"

namespace memprof::model {

struct Counters {
  std::uint64_t allocations = 0;
  std::uint64_t bytes = 0;
  std::uint64_t peakBytes = 0;  ///< live at the moment of the run's heap peak
  std::uint64_t leakedBytes = 0;
  std::uint64_t leakedAllocations = 0;
  std::uint64_t samples = 0;

  Counters& operator+=(const Counters& o) {
    allocations += o.allocations;
    bytes += o.bytes;
    peakBytes += o.peakBytes;
    leakedBytes += o.leakedBytes;
    leakedAllocations += o.leakedAllocations;
    samples += o.samples;
    return *this;
  }
  [[nodiscard]] bool empty() const {
    return allocations == 0 && samples == 0 && leakedAllocations == 0;
  }
};

struct LineEntry {
  std::string file;
  std::uint32_t line = 0;
  std::string function;
  Counters self;
  Counters total;
};

/// One function, as cProfile/pstats tabulate them: self = figures of stacks whose innermost
/// frame is in it; total = figures of stacks holding it at least once (recursion counted once).
struct FunctionEntry {
  std::string function;    ///< demangled; empty when unknown
  std::string file;        ///< source file of its lines ("" when unknown)
  std::uint32_t line = 0;  ///< lowest line seen in that file (about where it starts)
  std::string module;      ///< the binary holding it
  Counters self;
  Counters total;
};

struct Leak {
  std::uint64_t bytes = 0;
  std::uint64_t allocations = 0;
  std::string kind;         ///< definite | indirect | possible | reachable
  bool kindScanned = true;  ///< false: no exit-time scan covered these blocks (kind assumed)
  FrameStack stack;         ///< innermost first
};

struct TimelinePoint {
  double t = 0;
  std::uint64_t heapBytes = 0;
  std::uint64_t rssBytes = 0;
};

struct Program {
  std::vector<std::string> command;
  std::string executable;
  std::uint64_t pid = 0;
  std::uint64_t ppid = 0;
  std::optional<int> exitCode;
  std::optional<int> signal;
  bool execed = false;  ///< the image was replaced by exec (its successor has its own log)
  std::uint64_t startRealtimeUs = 0;
};

struct Totals {
  std::uint64_t allocations = 0;
  std::uint64_t frees = 0;
  std::uint64_t bytesAllocated = 0;
  std::uint64_t peakHeapBytes = 0;
  double peakTimeS = 0;
  std::uint64_t leakedBytes = 0;
  std::uint64_t leakedAllocations = 0;
  std::uint64_t peakRssBytes = 0;
  double peakRssTimeS = 0;
  double durationS = 0;
  std::uint64_t cpuSamples = 0;
  double sampleHz = 0;
};

/// What the sampler said about itself (SamplerInfo record); absent when it wrote none.
struct Sampler {
  bool present = false;
  std::uint64_t requestedHz = 0;
  std::uint64_t achievedHz = 0;
  bool wallClock = false;
  std::string note;
};

struct ModuleResolution {
  std::string path;
  std::uint64_t resolved = 0;
  std::uint64_t unresolved = 0;
  bool missing = false;
  bool buildIdMismatch = false;
};

struct Report {
  Program program;
  Totals totals;
  std::vector<LineEntry> lines;
  std::vector<FunctionEntry> functions;  ///< by total samples, then total bytes, descending
  std::vector<Leak> leaks;
  std::vector<TimelinePoint> timeline;
  std::vector<ModuleResolution> modules;
  std::vector<std::string> warnings;
  Sampler sampler;
  bool truncated = false;
  std::string logPath;
  std::uint64_t logBytes = 0;
  std::uint64_t heapEvents = 0;
};

}  // namespace memprof::model
