// SPDX-License-Identifier: MIT
/// @brief A vector indexed by dense ids that grows in fixed chunks, never by copying.
///
/// Why: the per-node tables (stack nodes, per-stack figures) are indexed by node id and grow as
/// the log is read. A std::vector grown by doubling holds the old and the new array at once
/// while it copies: three times the final size at the worst moment. On a log of 4.8M stack
/// nodes that was 900 MB of the analyzer's peak; in chunks the peak is the table itself.
/// Chunks are ZeroedPages of at least 2 MiB, so huge pages back them (see zeroed_pages.h).
/// Thread-safety: none (one owner). References stay valid as the vector grows.
#pragma once

#include <bit>
#include <cstddef>
#include <vector>

#include "memprof/aggregate/zeroed_pages.h"

namespace memprof::aggregate {

/// Elements per chunk, as a power of two: at least 2 MiB of them, and at least 65536.
template <typename T>
constexpr std::size_t defaultChunkBits() {
  const std::size_t perHugePage = (std::size_t{2} << 20) / sizeof(T);
  const auto bits = static_cast<std::size_t>(std::countr_zero(std::bit_ceil(perHugePage)));
  return bits < 16 ? 16 : bits;
}

template <typename T, std::size_t ChunkBits = defaultChunkBits<T>()>
class ChunkedVector {
 public:
  static constexpr std::size_t kChunk = std::size_t{1} << ChunkBits;

  [[nodiscard]] std::size_t size() const { return m_size; }
  [[nodiscard]] bool empty() const { return m_size == 0; }

  /// Grows to at least @p n elements (zero bytes: T's value-initialised state); never shrinks.
  void resize(std::size_t n) {
    while (m_chunks.size() * kChunk < n) m_chunks.emplace_back(kChunk);
    if (n > m_size) m_size = n;
  }

  T& operator[](std::size_t i) { return m_chunks[i >> ChunkBits][i & (kChunk - 1)]; }
  const T& operator[](std::size_t i) const { return m_chunks[i >> ChunkBits][i & (kChunk - 1)]; }

  template <typename V, typename Owner>
  class Iterator {
   public:
    Iterator(Owner* owner, std::size_t i) : m_owner(owner), m_i(i) {}
    V& operator*() const { return (*m_owner)[m_i]; }
    Iterator& operator++() {
      ++m_i;
      return *this;
    }
    bool operator!=(const Iterator& other) const { return m_i != other.m_i; }

   private:
    Owner* m_owner;
    std::size_t m_i;
  };
  using iterator = Iterator<T, ChunkedVector>;
  using const_iterator = Iterator<const T, const ChunkedVector>;
  iterator begin() { return iterator(this, 0); }
  iterator end() { return iterator(this, m_size); }
  const_iterator begin() const { return const_iterator(this, 0); }
  const_iterator end() const { return const_iterator(this, m_size); }

 private:
  std::vector<ZeroedPages<T>> m_chunks;
  std::size_t m_size = 0;
};

}  // namespace memprof::aggregate
