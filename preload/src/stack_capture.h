// SPDX-License-Identifier: MIT
/// @brief Captures the calling thread's stack with libunwind, minus memprof's own frames.
/// Thread-safety: thread-safe (libunwind per-thread caching). Signal-safety: see libunwind;
/// unw_backtrace is used from the sampling signal handler as libunwind documents.
#pragma once

#include <cstddef>
#include <cstdint>

namespace memprof::preload {

inline constexpr std::size_t kMaxFrames = 256;

/// Configures libunwind (per-thread cache). Call once before the first capture.
void initStackCapture() noexcept;
/// Drops libunwind's cached unwind info (after dlclose: code may be unmapped).
void flushStackCaptureCache() noexcept;

/// Fills @p ips with return addresses, innermost first, starting at the first frame outside
/// libmemprof (the caller of the intercepted function). Returns the number of frames.
std::size_t captureStack(std::uintptr_t* ips, std::size_t max) noexcept;

}  // namespace memprof::preload
