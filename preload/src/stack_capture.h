// SPDX-License-Identifier: MIT
/// @brief Captures the calling thread's stack, minus memprof's own frames: with the fast
/// unwinder (fast_unwinder.h) where it can follow every frame, else with libunwind's
/// unw_backtrace; both give the same addresses (MEMPROF_UNWINDER selects and checks this).
/// Thread-safety: thread-safe (per-thread caches). Signal-safety: captureStack is not for
/// signal handlers (the CPU sampler calls unw_backtrace itself).
#pragma once

#include <cstddef>
#include <cstdint>

namespace memprof::preload {

class FastUnwinder;

inline constexpr std::size_t kMaxFrames = 256;

/// Configures libunwind (per-thread cache). Call once before the first capture.
void initStackCapture() noexcept;
/// Drops cached unwind info, libunwind's and the fast unwinder's (after dlclose: code may be
/// unmapped, and an address may now be other code).
void flushStackCaptureCache() noexcept;

/// Fills @p ips with return addresses, innermost first, starting at the first frame outside
/// libmemprof (the caller of the intercepted function). Returns the number of frames.
/// @p unwinder is the thread's fast unwinder, created on first use.
std::size_t captureStack(FastUnwinder*& unwinder, std::uintptr_t* ips, std::size_t max) noexcept;

}  // namespace memprof::preload
