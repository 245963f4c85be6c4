// SPDX-License-Identifier: MIT
/// @brief The recorder's lock: one atomic flag, no allocation, usable before and after fork.
///
/// pthread mutexes would do, but a forked child must be able to reset a lock its parent's
/// other threads held, and the exit and fatal-signal paths need a bounded wait.
/// Thread-safety: thread-safe. Signal-safety: tryLockFor/unlock are async-signal-safe.
#pragma once

#include <sched.h>
#include <time.h>

#include <atomic>
#include <cstdint>

#include "clock.h"

namespace memprof::preload {

class SpinLock {
 public:
  constexpr SpinLock() = default;

  /// Spins, then yields: for short critical sections (copying a ring, writing a block).
  void lock() noexcept {
    unsigned spins = 0;
    while (m_locked.exchange(true, std::memory_order_acquire)) {
      if (++spins > 64) sched_yield();
    }
  }

  /// Sleeps 100 us between attempts, giving up after @p microseconds (0: never): for locks
  /// that may be held long (a dlclose running destructors) or must not hang an exit.
  bool tryLockFor(std::uint64_t microseconds) noexcept {
    const std::uint64_t deadline = monotonicNs() + microseconds * 1000ULL;
    while (m_locked.exchange(true, std::memory_order_acquire)) {
      if (microseconds != 0 && monotonicNs() > deadline) return false;
      const timespec pause{0, 100'000};
      nanosleep(&pause, nullptr);
    }
    return true;
  }

  void unlock() noexcept { m_locked.store(false, std::memory_order_release); }

  /// In a forked child: the holder may be a thread that does not exist there.
  void resetAfterFork() noexcept { m_locked.store(false, std::memory_order_relaxed); }

 private:
  std::atomic<bool> m_locked{false};
};

}  // namespace memprof::preload
