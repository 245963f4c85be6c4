// SPDX-License-Identifier: MIT
/// @brief Keeps fork away from memprof's own calls into the dynamic loader's module list.
///
/// dl_iterate_phdr holds the loader's dl_load_write_lock while it runs its callback, and
/// libunwind calls dl_iterate_phdr to find unwind tables. glibc's fork resets the loader's
/// other locks in the child but not that one (glibc 2.36, posix/fork.c): if any thread is
/// inside dl_iterate_phdr at the moment another thread forks, the child inherits the lock held
/// by a thread it does not have, and its next dl_iterate_phdr waits forever. memprof's writer
/// thread polls the module list every 10 ms, so without this guard a forking program's child
/// hung now and then, inside memprof, at its first unknown return address.
///
/// Every memprof call that may reach dl_iterate_phdr runs inside a LoaderScope. The fork
/// prepare handler closes the gate and waits until no scope is open; scopes opened meanwhile
/// do not wait (a thread waiting here could be the one that holds the loader lock in its own
/// dl_iterate_phdr callback) but give up, and their caller does without the look-up this once:
/// no rule cached, a stack left short, a module poll skipped until the next tick.
///
/// Only slow paths take a scope (a frame-rule cache miss, the libunwind fall back, a module
/// poll): the common path of a hook touches no shared counter.
/// Thread-safety: thread-safe. Signal-safety: async-signal-safe (atomics only).
#pragma once

namespace memprof::preload {

class LoaderScope {
 public:
  LoaderScope() noexcept;
  ~LoaderScope();
  LoaderScope(const LoaderScope&) = delete;
  LoaderScope& operator=(const LoaderScope&) = delete;
  /// False while a fork is being prepared: the caller must not call into the loader.
  explicit operator bool() const noexcept { return m_entered; }

 private:
  bool m_entered;
};

/// Fork prepare handler: closes the gate and waits (bounded, about 2 s) for open scopes.
void closeLoaderGateForFork() noexcept;
/// Fork parent handler: opens the gate again.
void openLoaderGateAfterFork() noexcept;
/// Fork child handler: no scope of the parent's other threads exists here; opens the gate.
void resetLoaderGateInChild() noexcept;

}  // namespace memprof::preload
