// SPDX-License-Identifier: MIT
/// @brief Program-counter sampling on each thread's own CPU time.
///
/// Backend: a perf_event task-clock counter per thread (hrtimer based, so 1-10 kHz really
/// happen) that signals its own thread on overflow; where perf_event_open is not permitted,
/// a POSIX CPU-time timer per thread (limited to the kernel tick, e.g. 250 Hz; the achieved
/// rate is measured and recorded, never assumed). The signal is a free real-time signal, so
/// the program keeps SIGPROF and its timers; if it installs a handler on ours, we step aside.
/// Thread-safety: per-thread start/stop. Signal-safety: the handler is async-signal-safe
/// (preallocated per-thread state, libunwind local unwinding, the thread's own ring).
#pragma once

#include <cstdint>

namespace memprof::preload {

struct ThreadState;

/// Chooses the signal and backend, installs the handler, samples the calling thread.
void initCpuSampler() noexcept;
/// Starts/stops sampling of the calling thread (thread start, fork child, thread exit).
void startThreadSampling(ThreadState* state) noexcept;
void stopThreadSampling(ThreadState* state) noexcept;
/// The program installed its own disposition for our signal: stop sampling everywhere.
bool isSamplingSignal(int sig) noexcept;
void yieldSamplingSignal() noexcept;
/// Writes the SamplerInfo record (requested and achieved rate, backend note). At exit.
void recordSamplerInfo() noexcept;
/// In a forked child: the inherited counters belong to the parent's threads. Drops them and,
/// when @p sampleChild (the child is recorded), starts sampling the calling thread.
void resetSamplerAfterFork(bool sampleChild) noexcept;
/// Before exec: stops every counter and discards pending sample signals, which would otherwise
/// kill the new image before it installs a handler. resumeAfterFailedExec undoes it.
void pauseSamplingForExec() noexcept;
void resumeSamplingAfterFailedExec() noexcept;
bool samplingEnabled() noexcept;
/// True when wall-clock sampling is active: our timer signals then reach threads that sleep.
bool wallClockSampling() noexcept;
/// Sampling signals delivered to this thread so far (lets sleep hooks tell our interruptions
/// from the program's own).
unsigned samplingSignalsSeen() noexcept;

}  // namespace memprof::preload
