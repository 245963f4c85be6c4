// SPDX-License-Identifier: MIT
/// @brief The loaded modules (path, build-id, load bias, segments), snapshotted for the log.
///
/// Snapshots are numbered by a generation; every stack node carries the generation that was
/// current when it was created, so the analyzer resolves each address against the modules
/// mapped at that time, even for a library dlclose'd long before the end.
/// New modules are noticed lazily: when a new stack node's address lies outside every known
/// module (a dlopen, including glibc's internal ones), the map is refreshed. dlclose is hooked
/// and bumps the cache epoch so no thread reuses an edge whose address may now mean something else.
/// Thread-safety: refresh() serialises on an internal lock; covers() is lock-free.
/// Signal-safety: covers() is async-signal-safe; refresh() is not.
#pragma once

#include <atomic>
#include <cstdint>

namespace memprof::preload {

/// Current snapshot generation (stamped on stack nodes).
std::uint32_t moduleGeneration() noexcept;
/// Bumped by dlclose; threads drop their stack caches when it changes.
extern std::atomic<std::uint32_t> g_cacheEpoch;

/// True when @p ip lies in an executable segment of the latest snapshot.
bool moduleCovers(std::uintptr_t ip) noexcept;

/// Takes a snapshot; if the module set changed (or @p force), publishes it as a new generation
/// and writes a Modules record through the process stream. Returns the current generation.
std::uint32_t refreshModules(bool force) noexcept;

/// Cheap check of dl_iterate_phdr's load/unload counters; refreshes when they moved.
void pollModules() noexcept;

/// After fork in the child: the lock may have been held by a thread that no longer exists.
void resetModuleLockAfterFork() noexcept;

/// This library's own text range, to drop our frames from captured stacks.
void initSelfRange() noexcept;
bool isSelfAddress(std::uintptr_t ip) noexcept;

}  // namespace memprof::preload
