// SPDX-License-Identifier: MIT
/// @brief Zero-filled arrays straight from mmap, backed by transparent huge pages.
///
/// Why: the analyzer's big tables (stack nodes, per-stack figures, the live-block table) grow to
/// hundreds of megabytes on deep-stack logs. Taken from malloc and value-initialised, every 4 KiB
/// page costs a fault, a kernel clear and then our own memset: on the deep-stack benchmark a
/// third of the analysis time was the kernel clearing pages. Fresh anonymous memory is zero
/// already, and with MADV_HUGEPAGE (on the default "madvise" THP setting) one fault maps 2 MiB.
/// Pages never touched cost nothing, so a small log keeps a small footprint.
///
/// Only for types whose all-zero bytes are their value-initialised state (checked where used:
/// trivially copyable, with every default member initialiser zero).
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>
#include <utility>

namespace memprof::aggregate {

template <typename T>
class ZeroedPages {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>,
                "ZeroedPages hands out raw zero bytes: no constructors or destructors run");

 public:
  static constexpr std::size_t kHugePage = std::size_t{2} << 20;

  ZeroedPages() = default;
  /// @p count elements, all zero. Throws std::bad_alloc when the kernel refuses.
  explicit ZeroedPages(std::size_t count) : m_count(count) {
    if (count == 0) return;
    m_bytes = (count * sizeof(T) + kHugePage - 1) & ~(kHugePage - 1);
    // Map one huge page more and trim, so the array starts on a 2 MiB boundary: THP only
    // backs aligned 2 MiB ranges.
    const std::size_t mapped = m_bytes + kHugePage;
    void* raw = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) throw std::bad_alloc();
    const auto start = reinterpret_cast<std::uintptr_t>(raw);
    const std::uintptr_t aligned = (start + kHugePage - 1) & ~(kHugePage - 1);
    if (aligned > start) munmap(raw, aligned - start);
    const std::uintptr_t end = start + mapped;
    if (end > aligned + m_bytes)
      munmap(reinterpret_cast<void*>(aligned + m_bytes), end - (aligned + m_bytes));
    m_data = reinterpret_cast<T*>(aligned);
    madvise(m_data, m_bytes, MADV_HUGEPAGE);  // advice only: without THP, plain pages
  }
  ~ZeroedPages() { release(); }

  ZeroedPages(const ZeroedPages&) = delete;
  ZeroedPages& operator=(const ZeroedPages&) = delete;
  ZeroedPages(ZeroedPages&& other) noexcept
      : m_data(std::exchange(other.m_data, nullptr)),
        m_count(std::exchange(other.m_count, 0)),
        m_bytes(std::exchange(other.m_bytes, 0)) {}
  ZeroedPages& operator=(ZeroedPages&& other) noexcept {
    if (this != &other) {
      release();
      m_data = std::exchange(other.m_data, nullptr);
      m_count = std::exchange(other.m_count, 0);
      m_bytes = std::exchange(other.m_bytes, 0);
    }
    return *this;
  }

  [[nodiscard]] std::size_t size() const { return m_count; }
  T* data() { return m_data; }
  const T* data() const { return m_data; }
  T& operator[](std::size_t i) { return m_data[i]; }
  const T& operator[](std::size_t i) const { return m_data[i]; }
  T* begin() { return m_data; }
  T* end() { return m_data + m_count; }
  const T* begin() const { return m_data; }
  const T* end() const { return m_data + m_count; }

 private:
  void release() {
    if (m_data != nullptr) munmap(m_data, m_bytes);
    m_data = nullptr;
  }

  T* m_data = nullptr;
  std::size_t m_count = 0;
  std::size_t m_bytes = 0;
};

}  // namespace memprof::aggregate
