// SPDX-License-Identifier: MIT
/// @brief TSC detection and calibration against CLOCK_MONOTONIC.
#include "clock.h"

#include <cpuid.h>

namespace memprof::preload {

constinit std::uint64_t g_startNs = 0;
constinit TscClock g_tsc{};

namespace {

bool invariantTsc() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid(0x80000000U, &eax, &ebx, &ecx, &edx) == 0 || eax < 0x80000007U) return false;
  if (__get_cpuid(0x80000007U, &eax, &ebx, &ecx, &edx) == 0) return false;
  return (edx & (1U << 8)) != 0;  // "TscInvariant": constant rate, keeps counting in C-states
}

}  // namespace

void startClock() noexcept {
  g_startNs = monotonicNs();
  g_tsc.tsc0 = __rdtsc();
  g_tsc.enabled = false;
  if (!invariantTsc()) return;
  std::uint64_t ns = g_startNs;
  while ((ns = monotonicNs()) - g_startNs < 100000) {
  }
  const std::uint64_t ticks = __rdtsc() - g_tsc.tsc0;
  if (ticks == 0) return;
  g_tsc.usPerTick.store(static_cast<double>(ns - g_startNs) / 1000.0 / static_cast<double>(ticks));
  g_tsc.enabled = true;
}

void recalibrateClock() noexcept {
  if (!g_tsc.enabled) return;
  const std::uint64_t ticks = __rdtsc() - g_tsc.tsc0;
  const std::uint64_t ns = monotonicNs() - g_startNs;
  if (ns < 10'000'000 || ticks == 0) return;  // a longer baseline only
  g_tsc.usPerTick.store(static_cast<double>(ns) / 1000.0 / static_cast<double>(ticks),
                        std::memory_order_relaxed);
}

}  // namespace memprof::preload
