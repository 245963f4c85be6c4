// SPDX-License-Identifier: MIT
/// @brief Open-addressing hash map from block address to its live-block record.
///
/// The analyzer does one insert or erase per heap event, tens of millions of times; a flat
/// table with linear probing and backward-shift deletion (no tombstones) keeps that to a cache
/// miss or two, where std::unordered_map allocates a node per block.
///
/// A slot is 16 bytes (four to a cache line): the size is kept in 32 bits, and the rare block of
/// 4 GiB or more keeps its full size in a side table. The slots live on transparent huge pages
/// (ZeroedPages): the table is tens of megabytes probed at random, and on 4 KiB pages nearly
/// every probe (and every prefetch) also missed the TLB.
#pragma once

#include <cstdint>
#include <unordered_map>

#include "memprof/aggregate/zeroed_pages.h"

namespace memprof::aggregate {

struct LiveBlock {
  std::uint64_t size = 0;
  std::uint32_t stack = 0;
};

class PointerMap {
 public:
  PointerMap() : m_slots(kInitialSlots) {}

  /// Inserts or overwrites. Address 0 is never a live block and is ignored.
  void insert(std::uint64_t ptr, LiveBlock block) {
    if (ptr == 0) return;
    if ((m_count + 1) * 4 > m_slots.size() * 3) grow();
    std::size_t i = index(ptr);
    while (m_slots[i].ptr != 0 && m_slots[i].ptr != ptr) i = (i + 1) & mask();
    if (m_slots[i].ptr == 0) {
      ++m_count;
    } else {
      dropBigSize(m_slots[i]);
    }
    m_slots[i] = pack(ptr, block);
  }

  /// Inserts @p block at @p ptr; if @p ptr was live already, puts its old block in @p replaced
  /// and returns true. One probe sequence where erase-then-insert walks the chain twice.
  bool insertReplacing(std::uint64_t ptr, LiveBlock block, LiveBlock* replaced) {
    if (ptr == 0) return false;
    if ((m_count + 1) * 4 > m_slots.size() * 3) grow();
    std::size_t i = index(ptr);
    while (m_slots[i].ptr != 0 && m_slots[i].ptr != ptr) i = (i + 1) & mask();
    const bool was = m_slots[i].ptr == ptr;
    if (was) {
      *replaced = unpack(m_slots[i]);
      dropBigSize(m_slots[i]);
    } else {
      ++m_count;
    }
    m_slots[i] = pack(ptr, block);
    return was;
  }

  /// Removes @p ptr; returns false when it was not live.
  bool erase(std::uint64_t ptr, LiveBlock* removed) {
    if (ptr == 0) return false;
    std::size_t i = index(ptr);
    while (m_slots[i].ptr != ptr) {
      if (m_slots[i].ptr == 0) return false;
      i = (i + 1) & mask();
    }
    *removed = unpack(m_slots[i]);
    dropBigSize(m_slots[i]);
    // Backward-shift deletion keeps every probe chain unbroken without tombstones.
    std::size_t hole = i;
    for (std::size_t j = (i + 1) & mask(); m_slots[j].ptr != 0; j = (j + 1) & mask()) {
      const std::size_t home = index(m_slots[j].ptr);
      const bool movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
      if (movable) {
        m_slots[hole] = m_slots[j];
        hole = j;
      }
    }
    m_slots[hole] = Slot{};
    --m_count;
    return true;
  }

  [[nodiscard]] std::size_t size() const { return m_count; }

  /// Starts loading the slot where @p ptr lives (or would go): a replay that knows its next
  /// events hides the cache miss each of them would otherwise wait for.
  /// always_inline: GCC deems a function whose only effect is a prefetch pure, and drops a call
  /// to it that it did not inline first as dead code (every prefetch of the replay vanished so
  /// once). Inlined at once, the builtin stays in its caller.
  [[gnu::always_inline]] void prefetch(std::uint64_t ptr) const {
    __builtin_prefetch(&m_slots[index(ptr)]);
  }

  template <typename F>
  void forEach(F&& f) const {
    for (const Slot& s : m_slots) {
      if (s.ptr != 0) f(s.ptr, unpack(s));
    }
  }

 private:
  static constexpr std::size_t kInitialSlots = std::size_t{1} << 16;
  /// A size that does not fit in 32 bits: the real one is in m_bigSizes.
  static constexpr std::uint32_t kBigSize = UINT32_MAX;

  struct Slot {
    std::uint64_t ptr;
    std::uint32_t size;
    std::uint32_t stack;
  };
  static_assert(sizeof(Slot) == 16);

  Slot pack(std::uint64_t ptr, LiveBlock block) {
    if (block.size >= kBigSize) {
      m_bigSizes[ptr] = block.size;
      return Slot{ptr, kBigSize, block.stack};
    }
    return Slot{ptr, static_cast<std::uint32_t>(block.size), block.stack};
  }
  [[nodiscard]] LiveBlock unpack(const Slot& s) const {
    if (s.size == kBigSize) return LiveBlock{m_bigSizes.at(s.ptr), s.stack};
    return LiveBlock{s.size, s.stack};
  }
  void dropBigSize(const Slot& s) {
    if (s.size == kBigSize) m_bigSizes.erase(s.ptr);
  }

  [[nodiscard]] std::size_t mask() const { return m_slots.size() - 1; }
  [[nodiscard]] std::size_t index(std::uint64_t ptr) const {
    // murmur3's fmix64: every address bit reaches every index bit. (A single multiply let
    // allocator address patterns, python's in particular, pile up into long probe chains.)
    std::uint64_t h = ptr;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return static_cast<std::size_t>(h) & mask();
  }
  void grow() {
    ZeroedPages<Slot> old(m_slots.size() * 2);
    std::swap(old, m_slots);
    // Slots move as they are: a big size stays keyed by its address in m_bigSizes.
    for (const Slot& s : old) {
      if (s.ptr == 0) continue;
      std::size_t i = index(s.ptr);
      while (m_slots[i].ptr != 0) i = (i + 1) & mask();
      m_slots[i] = s;
    }
  }

  ZeroedPages<Slot> m_slots;
  std::size_t m_count = 0;
  std::unordered_map<std::uint64_t, std::uint64_t> m_bigSizes;
};

}  // namespace memprof::aggregate
