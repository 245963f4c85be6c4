// SPDX-License-Identifier: MIT
/// @brief mmap-backed memory for the recorder's own data structures.
#include "internal_memory.h"

#include <sys/mman.h>

#include <cstdint>

namespace memprof::preload {

void* internalMap(std::size_t bytes) noexcept {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? nullptr : p;
}

void internalUnmap(void* p, std::size_t bytes) noexcept {
  if (p != nullptr) munmap(p, bytes);
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
