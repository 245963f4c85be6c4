// SPDX-License-Identifier: MIT
/// @brief Turns one intercepted heap call into records in the calling thread's ring.
///
/// Callers (the hooks) hold the ReentrancyGuard. Ordering across threads comes from a dense,
/// process-wide sequence number: frees take theirs before the real free (so the address cannot
/// be handed out again first), allocations after the real call returns.
/// Thread-safety: lock-free on the common path. Signal-safety: not async-signal-safe.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "memprof/format/records.h"

namespace memprof::preload {

struct ThreadState;

/// True while hooks should record (set after init, cleared when the log closes or when a
/// forked child is not followed).
extern std::atomic<bool> g_recording;

std::uint64_t takeSequence() noexcept;
std::uint64_t sequenceCount() noexcept;
void resetSequenceAfterFork() noexcept;

void recordAlloc(format::AllocFn fn, const void* ptr, std::size_t size) noexcept;
/// Records a free with a sequence number taken earlier by takeSequence().
void recordFree(format::AllocFn fn, const void* ptr, std::uint64_t seq) noexcept;
/// Marks a sequence number as consumed by nothing (a failed realloc).
void recordSequenceGap(std::uint64_t seq) noexcept;

/// Interns a captured stack into the thread's trie (writing new nodes); returns the leaf id.
std::uint32_t internStack(ThreadState* state, const std::uintptr_t* ips,
                          std::size_t depth) noexcept;

/// Appends raw record bytes to this thread's ring, flushing it first when full.
void pushRecord(const std::uint8_t* bytes, std::size_t size) noexcept;

/// Appends raw record bytes to @p state's ring (its single producer must be the caller).
void pushRecordTo(ThreadState* state, const std::uint8_t* bytes, std::size_t size) noexcept;

/// Wakes the writer thread early (a ring is filling up).
void wakeWriter() noexcept;
/// Futex word the writer sleeps on.
extern std::atomic<int> g_writerWake;

}  // namespace memprof::preload
