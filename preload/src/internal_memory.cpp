// SPDX-License-Identifier: MIT
/// @brief mmap-backed memory for the recorder's own data structures.
#include "internal_memory.h"

#include <sys/mman.h>

#include <atomic>
#include <cstdint>

namespace memprof::preload {

namespace {

/// Registry of live internal mappings (lock-free: a slot is claimed by CAS on its base).
/// Full registry: the mapping is simply not remembered (the leak scan may then see it as a root).
constexpr std::size_t kMaxRanges = 4096;
struct RangeSlot {
  std::atomic<std::uintptr_t> base{0};
  std::atomic<std::size_t> bytes{0};
};
RangeSlot s_ranges[kMaxRanges];

void remember(void* p, std::size_t bytes) {
  const auto base = reinterpret_cast<std::uintptr_t>(p);
  for (RangeSlot& slot : s_ranges) {
    std::uintptr_t expected = 0;
    if (slot.base.load(std::memory_order_relaxed) == 0 &&
        slot.base.compare_exchange_strong(expected, base, std::memory_order_acq_rel)) {
      slot.bytes.store(bytes, std::memory_order_release);
      return;
    }
  }
}

void forget(void* p) {
  const auto base = reinterpret_cast<std::uintptr_t>(p);
  for (RangeSlot& slot : s_ranges) {
    if (slot.base.load(std::memory_order_acquire) == base) {
      slot.bytes.store(0, std::memory_order_relaxed);
      slot.base.store(0, std::memory_order_release);
      return;
    }
  }
}

}  // namespace

void* internalMap(std::size_t bytes) noexcept {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  remember(p, bytes);
  return p;
}

void internalUnmap(void* p, std::size_t bytes) noexcept {
  if (p == nullptr) return;
  forget(p);
  munmap(p, bytes);
}

std::size_t internalRanges(InternalRange* out, std::size_t max) noexcept {
  std::size_t n = 0;
  for (const RangeSlot& slot : s_ranges) {
    if (n == max) break;
    const std::uintptr_t base = slot.base.load(std::memory_order_acquire);
    const std::size_t bytes = slot.bytes.load(std::memory_order_acquire);
    if (base != 0 && bytes != 0) out[n++] = InternalRange{base, bytes};
  }
  return n;
}

namespace {
constexpr std::size_t kHeader = 16;  // keeps the returned pointer 16-byte aligned
}

void* internalAllocForZstd(void* /*opaque*/, std::size_t size) noexcept {
  const std::size_t total = size + kHeader;
  auto* base = static_cast<std::uint8_t*>(internalMap(total));
  if (base == nullptr) return nullptr;
  *reinterpret_cast<std::size_t*>(base) = total;
  return base + kHeader;
}

void internalFreeForZstd(void* /*opaque*/, void* address) noexcept {
  if (address == nullptr) return;
  auto* base = static_cast<std::uint8_t*>(address) - kHeader;
  internalUnmap(base, *reinterpret_cast<std::size_t*>(base));
}

}  // namespace memprof::preload
