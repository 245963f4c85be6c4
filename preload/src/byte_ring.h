// SPDX-License-Identifier: MIT
/// @brief Single-producer single-consumer byte ring: a thread's events on their way to the file.
///
/// The owning thread appends whole records (push) and publishes them with one release store;
/// the writer copies out published bytes at any time without stopping the thread. Records are
/// only ever published whole, so every copy ends on a record boundary.
/// Thread-safety: one producer, one consumer (consumers serialise on the drain lock).
/// Signal-safety: push is async-signal-safe if the interrupted code was not pushing (guarded).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace memprof::preload {

class ByteRing {
 public:
  void attach(std::uint8_t* data, std::size_t capacity) noexcept {
    m_data = data;
    m_mask = capacity - 1;  // capacity is a power of two
    m_head.store(0, std::memory_order_relaxed);
    m_tail.store(0, std::memory_order_relaxed);
  }
  [[nodiscard]] std::size_t capacity() const noexcept { return m_mask + 1; }

  /// Appends @p n bytes; false when there is not room (the caller flushes and retries).
  bool push(const std::uint8_t* bytes, std::size_t n) noexcept {
    const std::uint64_t head = m_head.load(std::memory_order_relaxed);
    const std::uint64_t tail = m_tail.load(std::memory_order_acquire);
    if (capacity() - (head - tail) < n) return false;
    const std::size_t at = head & m_mask;
    const std::size_t first = n < capacity() - at ? n : capacity() - at;
    std::memcpy(m_data + at, bytes, first);
    std::memcpy(m_data, bytes + first, n - first);
    m_head.store(head + n, std::memory_order_release);
    return true;
  }

  [[nodiscard]] std::size_t used() const noexcept {
    return m_head.load(std::memory_order_acquire) - m_tail.load(std::memory_order_relaxed);
  }

  /// Copies up to @p max published bytes into @p out and consumes them; returns the count.
  /// Stops only at published boundaries (whole records) unless @p max cuts it short, so callers
  /// pass max >= used().
  std::size_t drain(std::uint8_t* out, std::size_t max) noexcept {
    const std::uint64_t head = m_head.load(std::memory_order_acquire);
    const std::uint64_t tail = m_tail.load(std::memory_order_relaxed);
    std::size_t n = head - tail;
    if (n > max) return 0;
    const std::size_t at = tail & m_mask;
    const std::size_t first = n < capacity() - at ? n : capacity() - at;
    std::memcpy(out, m_data + at, first);
    std::memcpy(out + first, m_data, n - first);
    m_tail.store(head, std::memory_order_release);
    return n;
  }

  /// Drops everything unconsumed (the forked child discards its parent's events).
  void discard() noexcept { m_tail.store(m_head.load(std::memory_order_acquire)); }

 private:
  std::uint8_t* m_data = nullptr;
  std::size_t m_mask = 0;
  std::atomic<std::uint64_t> m_head{0};
  alignas(64) std::atomic<std::uint64_t> m_tail{0};
};

}  // namespace memprof::preload
