// SPDX-License-Identifier: MIT
/// @brief An insert-only open-addressing hash map (linear probing, power-of-two capacity).
///
/// Why: the report builder looks up millions of small keys (an address per stack node, a
/// transition per path step). std::unordered_map pays a modulo by a prime and a pointer chase
/// per lookup; here a lookup is a multiply-shift and usually one cache line.
/// Keys and values must be cheap to copy and default-constructible. No erase.
/// Thread-safety: none (one owner).
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace memprof::aggregate {

/// Mixes all bits of @p x into the high and low bits (murmur3's finalizer).
inline std::uint64_t mixBits(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

template <typename Key, typename Value, typename Hash>
class FlatHashMap {
 public:
  explicit FlatHashMap(std::size_t capacity = 64) { rehash(roundUp(capacity)); }

  [[nodiscard]] std::size_t size() const { return m_size; }

  /// The value of @p key, or nullptr.
  [[nodiscard]] const Value* find(const Key& key) const {
    for (std::size_t i = slotOf(key);; i = (i + 1) & m_mask) {
      const Slot& s = m_slots[i];
      if (!s.used) return nullptr;
      if (s.key == key) return &s.value;
    }
  }

  /// Inserts @p value under @p key unless present; returns the stored value and whether it was
  /// inserted. The pointer stays valid until the next insertion.
  std::pair<Value*, bool> tryEmplace(const Key& key, const Value& value) {
    if (2 * (m_size + 1) > m_slots.size()) rehash(2 * m_slots.size());
    std::size_t i = slotOf(key);
    for (;; i = (i + 1) & m_mask) {
      Slot& s = m_slots[i];
      if (!s.used) break;
      if (s.key == key) return {&s.value, false};
    }
    Slot& s = m_slots[i];
    s.used = true;
    s.key = key;
    s.value = value;
    ++m_size;
    return {&s.value, true};
  }

 private:
  struct Slot {
    Key key{};
    Value value{};
    bool used = false;
  };

  static std::size_t roundUp(std::size_t n) {
    std::size_t c = 16;
    while (c < n) c *= 2;
    return c;
  }
  std::size_t slotOf(const Key& key) const { return Hash{}(key)&m_mask; }

  void rehash(std::size_t capacity) {
    std::vector<Slot> old = std::move(m_slots);
    m_slots.assign(capacity, Slot{});
    m_mask = capacity - 1;
    for (const Slot& s : old) {
      if (!s.used) continue;
      std::size_t i = slotOf(s.key);
      while (m_slots[i].used) i = (i + 1) & m_mask;
      m_slots[i] = s;
    }
  }

  std::vector<Slot> m_slots;
  std::size_t m_mask = 0;
  std::size_t m_size = 0;
};

}  // namespace memprof::aggregate
