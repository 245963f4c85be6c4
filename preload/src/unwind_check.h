// SPDX-License-Identifier: MIT
/// @brief MEMPROF_UNWINDER=verify: every capture is taken by libunwind and by the fast
/// unwinder, and the two are compared; at exit a summary and the first mismatches go to
/// stderr. This is how the fast unwinder is shown to return libunwind's stacks exactly.
/// Thread-safety: thread-safe (relaxed counters; mismatch slots claimed atomically).
/// Signal-safety: noteCapture is not for signal handlers (it is only called by captureStack).
#pragma once

#include <cstddef>
#include <cstdint>

namespace memprof::preload {

/// Compares one capture: libunwind's frames against the fast unwinder's (@p fastDepth < 0:
/// it gave up, with that FastUnwindStop; @p stopPc is the call site it could not follow).
void noteUnwindCheck(const std::uintptr_t* libunwindFrames, std::size_t libunwindDepth,
                     const std::uintptr_t* fastFrames, int fastDepth,
                     std::uintptr_t stopPc) noexcept;

/// Adds the fast unwinder's work on one capture to the report: rules derived (its cache
/// misses), frames stepped with rules, frames taken over from the previous walk.
void noteUnwindWork(std::uint64_t derivations, std::uint64_t walked, std::uint64_t reused) noexcept;

/// Writes the summary to stderr if anything was checked. Called when the process image ends.
void reportUnwindCheck() noexcept;

/// In a forked child: the parent's counts are the parent's.
void resetUnwindCheckAfterFork() noexcept;

}  // namespace memprof::preload
