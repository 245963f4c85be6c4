// SPDX-License-Identifier: MIT
/// @brief The loader gate (see loader_lock_guard.h).
#include "loader_lock_guard.h"

#include <sched.h>
#include <time.h>

#include <atomic>

#include "clock.h"

namespace memprof::preload {

namespace {
// Sequentially consistent on both sides (a Dekker pair): a scope publishes itself, then reads
// the gate; fork closes the gate, then reads the count. One of them sees the other.
constinit std::atomic<int> s_openScopes{0};
constinit std::atomic<bool> s_gateClosed{false};
constexpr std::uint64_t kMaxWaitNs = 2'000'000'000ULL;
}  // namespace

LoaderScope::LoaderScope() noexcept : m_entered(false) {
  s_openScopes.fetch_add(1);
  if (s_gateClosed.load()) {
    s_openScopes.fetch_sub(1);
    return;
  }
  m_entered = true;
}

LoaderScope::~LoaderScope() {
  if (m_entered) s_openScopes.fetch_sub(1);
}

void closeLoaderGateForFork() noexcept {
  s_gateClosed.store(true);
  // Scopes are short (one module-list walk); the bound only matters if fork was called from a
  // signal handler that interrupted a scope of this very thread.
  const std::uint64_t deadline = monotonicNs() + kMaxWaitNs;
  unsigned spins = 0;
  while (s_openScopes.load() > 0) {
    if (++spins < 64) continue;
    if (monotonicNs() > deadline) return;
    sched_yield();
  }
}

void openLoaderGateAfterFork() noexcept { s_gateClosed.store(false); }

void resetLoaderGateInChild() noexcept {
  s_openScopes.store(0);
  s_gateClosed.store(false);
}

}  // namespace memprof::preload
