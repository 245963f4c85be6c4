// SPDX-License-Identifier: MIT
/// @brief Bump allocation for the dlsym bootstrap window.
#include "bootstrap_arena.h"

#include <unistd.h>

#include <cstdlib>

namespace memprof::preload {

alignas(64) std::uint8_t BootstrapArena::s_buffer[BootstrapArena::kSize];
std::atomic<std::size_t> BootstrapArena::s_used{0};

namespace {
constexpr std::size_t kHeader = 16;  // holds the requested size, keeps 16-byte alignment
std::size_t roundUp(std::size_t v, std::size_t a) { return (v + a - 1) & ~(a - 1); }
}  // namespace

void* BootstrapArena::allocate(std::size_t size, std::size_t alignment) noexcept {
  if (alignment < 16) alignment = 16;
  const std::size_t need = roundUp(size + kHeader + alignment, 16);
  const std::size_t start = s_used.fetch_add(need, std::memory_order_relaxed);
  if (start + need > kSize) {
    static const char kMsg[] = "memprof: bootstrap arena exhausted before malloc was resolved\n";
    (void)!write(2, kMsg, sizeof kMsg - 1);
    abort();
  }
  const auto base = reinterpret_cast<std::uintptr_t>(s_buffer) + start + kHeader;
  const std::uintptr_t user = roundUp(base, alignment);
  reinterpret_cast<std::size_t*>(user)[-1] = size;
  return reinterpret_cast<void*>(user);
}

std::size_t BootstrapArena::sizeOf(const void* p) noexcept {
  return static_cast<const std::size_t*>(p)[-1];
}

}  // namespace memprof::preload
