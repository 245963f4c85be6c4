// SPDX-License-Identifier: MIT
/// @brief The log file: staging of chunks from every stream, zstd blocks, write(2).
///
/// All output goes through one "drain lock" held only while copying rings and writing a block:
/// never on an event's common path. The writer thread takes it every tick; a thread whose ring
/// is full, the exit paths and the fatal-signal handler take it too (the latter with a bounded
/// wait). Thread-safety: functions ending in Locked require the drain lock. Signal-safety:
/// drainAllLocked/flushBlockLocked use only write(2), memcpy and zstd with internal (mmap) memory:
/// async-signal-safe in practice.
#pragma once

#include <cstddef>
#include <cstdint>

namespace memprof::preload {

struct ThreadState;

void drainLock() noexcept;
bool drainTryLockFor(unsigned milliseconds) noexcept;
void drainUnlock() noexcept;

/// Opens the log on first need (writes the file header and the Process record).
bool ensureLogOpenLocked() noexcept;
/// Copies one thread's published bytes into the staging buffer as a chunk.
void drainRingLocked(ThreadState* state) noexcept;
/// Drains every registered ring; frees states of exited threads once empty.
void drainAllLocked() noexcept;
/// Compresses the staging buffer into one block and writes it.
void flushBlockLocked() noexcept;

/// Appends a record to the process stream (stream 0); takes the drain lock.
void writeProcessRecord(const std::uint8_t* bytes, std::size_t size) noexcept;
void writeProcessRecordLocked(const std::uint8_t* bytes, std::size_t size) noexcept;

/// Drains everything, appends a Trailer and writes the last block; later events are dropped
/// unless @p reopenable (exec may fail and the process go on).
void finalizeLog(bool reopenable, unsigned lockWaitMs) noexcept;

/// True once the log has been finalized for good (hooks stop recording).
bool logClosed() noexcept;

/// The path of the file this process writes (as opened; empty before the log is open).
/// Requires the drain lock (the path changes in a forked child's first open).
const char* logPathLocked() noexcept;

/// In a forked child: forget the parent's file and staging, and open our own log lazily.
void resetLogAfterFork() noexcept;

}  // namespace memprof::preload
