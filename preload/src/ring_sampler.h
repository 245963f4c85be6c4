// SPDX-License-Identifier: MIT
/// @brief CPU sampling without signals: per-thread perf rings (perf_sample_ring.h), unwound
/// off-thread (stack_copy_unwinder.h) and written as ThreadSample records of one sampler stream.
///
/// The program's threads only take the timer interrupt the kernel needs anyway; the writer
/// thread collects every tick. All reading, unwinding and closing of rings happens under one
/// "unwind lock", which dlclose also takes so a module is never unmapped while it is read.
/// Thread-safety: as documented per function. Signal-safety: none of these are signal-safe.
#pragma once

#include <cstdint>

namespace memprof::preload {

struct ThreadState;

/// Opens the calling thread's ring; false when the kernel refuses (then use signals).
bool startRingSampling(ThreadState* state) noexcept;
/// The calling thread is exiting: stop counting; the ring is read and closed later.
void stopRingSampling(ThreadState* state) noexcept;
/// Reads every ring, unwinds and writes the samples; closes rings of exited threads.
/// Must not be called with the drain lock held (writing may drain the sampler stream).
void collectRingSamples() noexcept;
/// At exit: stop the calling thread's ring and collect everything.
void finishRingSampling() noexcept;
/// exec: stop/restart every ring's counter.
void pauseRingSampling() noexcept;
void resumeRingSampling() noexcept;
/// In a forked child: the inherited rings are the parent's; forget them (no reads).
void resetRingSamplingAfterFork() noexcept;

/// dlclose brackets: no ring is unwound while a module may be unmapped.
/// Fork prepare / parent: hold the unwind lock across fork, so that no thread is unwinding a
/// stack copy (inside libunwind) when the child is made. lockUnwindForFork waits at most
/// 200 ms and returns whether it locked; pass that to unlockUnwindAfterFork in the parent (the
/// child resets the lock).
bool lockUnwindForFork() noexcept;
void unlockUnwindAfterFork(bool locked) noexcept;

/// beginModuleUnload returns whether it locked; pass that to endModuleUnload.
bool beginModuleUnload() noexcept;
void endModuleUnload(bool locked) noexcept;

struct RingSamplingStats {
  std::uint32_t threads = 0;           ///< threads that got a ring
  std::uint64_t samples = 0;           ///< samples written
  std::uint64_t lost = 0;              ///< samples the kernel dropped (ring full)
  std::uint64_t accountedSamples = 0;  ///< of threads whose ring is closed
  std::uint64_t accountedPeriods = 0;  ///< whole sampling periods of their CPU time
  std::uint64_t collectNs = 0;         ///< CPU time spent reading rings and unwinding
  bool userTimeOnly = false;           ///< perf_event_paranoid allowed user time only
};
RingSamplingStats ringSamplingStats() noexcept;

}  // namespace memprof::preload
