// SPDX-License-Identifier: MIT
/// @brief The preload library's own memory: page-granular mmap, never the hooked allocator.
///
/// Everything the recorder keeps (rings, stack tables, compression state) lives in memory from
/// here, so recording can never recurse into malloc or disturb the program's heap layout.
/// Thread-safety: thread-safe (only syscalls). Signal-safety: mmap/munmap are safe in practice.
#pragma once

#include <cstddef>
#include <cstdint>

namespace memprof::preload {

/// Zero-filled, page-aligned memory of at least @p bytes, or nullptr.
void* internalMap(std::size_t bytes) noexcept;
void internalUnmap(void* p, std::size_t bytes) noexcept;

/// One live internal mapping, as remembered for the exit-time leak scan.
struct InternalRange {
  std::uintptr_t base;
  std::size_t bytes;
};
/// Copies up to @p max live internal mappings into @p out; returns how many were copied.
/// The leak scanner leaves them out of its roots: our own tables hold the program's pointers
/// (e.g. each thread's last allocated address) and would make leaked blocks look reachable.
std::size_t internalRanges(InternalRange* out, std::size_t max) noexcept;

/// zstd's customMem hooks (allocation with a size header so free knows the length).
void* internalAllocForZstd(void* opaque, std::size_t size) noexcept;
void internalFreeForZstd(void* opaque, void* address) noexcept;

}  // namespace memprof::preload
