// SPDX-License-Identifier: MIT
/// @brief Microseconds since the process's recording started (CLOCK_MONOTONIC, via the vDSO).
/// Thread-safety: thread-safe. Signal-safety: async-signal-safe.
#pragma once

#include <time.h>

#include <cstdint>

namespace memprof::preload {

extern std::uint64_t g_startNs;

inline std::uint64_t monotonicNs() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ULL +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

inline std::uint64_t nowUs() noexcept {
  const std::uint64_t ns = monotonicNs();
  return ns > g_startNs ? (ns - g_startNs) / 1000 : 0;
}

}  // namespace memprof::preload
