// SPDX-License-Identifier: MIT
/// @brief Static bump arena serving allocations made before the real allocator is resolved.
///
/// dlsym() itself calls calloc/malloc while we are still looking up the real malloc. Those
/// few requests are served from a static buffer; free() recognises and ignores its pointers.
/// Thread-safety: lock-free (atomic bump). Signal-safety: async-signal-safe.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace memprof::preload {

class BootstrapArena {
 public:
  static constexpr std::size_t kSize = 256 * 1024;

  /// 16-byte aligned, zero-filled block of @p size bytes; aborts with one line when exhausted,
  /// because returning nullptr to dlsym would crash the program less clearly.
  static void* allocate(std::size_t size, std::size_t alignment = 16) noexcept;
  static bool owns(const void* p) noexcept {
    const auto a = reinterpret_cast<std::uintptr_t>(p);
    const auto b = reinterpret_cast<std::uintptr_t>(s_buffer);
    return a >= b && a < b + kSize;
  }
  /// Size requested for a block this arena returned.
  static std::size_t sizeOf(const void* p) noexcept;

 private:
  alignas(64) static std::uint8_t s_buffer[kSize];
  static std::atomic<std::size_t> s_used;
};

}  // namespace memprof::preload
