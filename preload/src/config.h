// SPDX-License-Identifier: MIT
/// @brief The MEMPROF_* environment, read once at start-up into plain data.
///
/// MEMPROF_OUTPUT     log path; %p expands to the pid, %e to the executable's name.
///                    Without %p only this process writes it exactly; descendants (fork, exec)
///                    write "<same dir>/%e.%p.mprof". Default "./%e.%p.mprof".
/// MEMPROF_SAMPLE_HZ  CPU sampling rate per thread (0 = off; default 1000; at most 10000).
/// MEMPROF_FOLLOW     0 = record this process only (no fork children, no exec'd programs).
/// MEMPROF_ZSTD_LEVEL compression level of the log (default 1: higher levels cost the writer
///                    thread 2-3x the CPU for ~5% smaller logs on allocation churn).
/// MEMPROF_SAMPLER   "ring" (default): the kernel copies registers and stack into a perf ring,
///                    unwound by the writer thread; "signal": a signal per sample, unwound in
///                    the handler (the fallback where the ring is refused; also for comparison).
///                    MEMPROF_STACK_COPY: bytes of stack copied per ring sample (default 8192).
/// MEMPROF_TIME_RESOLUTION_US  resolution of heap event times, a power of two 1..1024
///                    (default 64): finer times cost log bytes and tell nothing more.
/// MEMPROF_LOG_COLUMNS 0 = compress blocks as written (encoding 1) instead of split into
///                    columns (encoding 2, about a third smaller); for comparisons.
/// MEMPROF_UNWINDER  how heap events' stacks are captured: "fast" (default) walks cached
///                    .eh_frame rules and falls back to libunwind for any frame it does not
///                    handle; "libunwind" always uses unw_backtrace; "verify" runs both on every
///                    capture, records libunwind's, and reports differences at exit.
/// Thread-safety: written before recording starts, read-only afterwards.
#pragma once

#include <cstddef>
#include <cstdint>

namespace memprof::preload {

enum class UnwinderMode : std::uint8_t { Fast, Libunwind, Verify };

struct Config {
  char output[4096] = {};            ///< pattern for this process
  char descendantOutput[4096] = {};  ///< pattern for fork children and exec'd programs
  bool outputIsExact = false;        ///< output has no %p: truncate and reuse as given
  unsigned sampleHz = 1000;
  bool follow = true;
  char clock[8] = "cpu";                ///< "cpu" or "wall"
  int zstdLevel = 1;                    ///< MEMPROF_ZSTD_LEVEL (1..19): log size against writer CPU
  bool ringSampler = true;              ///< MEMPROF_SAMPLER=signal turns the perf ring off
  std::uint32_t stackCopyBytes = 8192;  ///< MEMPROF_STACK_COPY (1024..65528, multiple of 8)
  bool logColumns = true;               ///< MEMPROF_LOG_COLUMNS=0: blocks of encoding 1
  UnwinderMode unwinder = UnwinderMode::Fast;  ///< MEMPROF_UNWINDER
  /// ~(resolution - 1): heap event times are rounded down to MEMPROF_TIME_RESOLUTION_US, a power
  /// of two from 1 to 1024 (default 64).
  std::uint64_t timeResolutionMask = ~std::uint64_t{63};
};

extern Config g_config;

/// Reads the environment (getenv only; no allocation) and makes paths absolute.
void loadConfig() noexcept;

/// Expands @p pattern for this process into @p out; false if it does not fit.
bool expandOutputPath(const char* pattern, char* out, std::size_t size) noexcept;

/// Replaces MEMPROF_OUTPUT in the environment with the descendant pattern, and drops this
/// library from LD_PRELOAD when not following. Called once from the constructor, before main.
void publishDescendantEnvironment() noexcept;

}  // namespace memprof::preload
