// SPDX-License-Identifier: MIT
/// @brief A thread's table of unwind rules by call site, so the fast unwinder derives the rule
/// of each return address once (per thread) instead of on every capture.
///
/// Open addressing with short linear probing over 16-byte slots (address, rule), in internal
/// memory; Unknown rules are cached too, so frames the fast path cannot follow cost one probe
/// before the fall back. When every probed slot is taken, one is overwritten: a rule is a pure
/// function of the loaded code, so losing one costs a re-derivation, never a wrong answer.
/// After dlclose (an address may now be other code) every table is emptied: flush() bumps a
/// global epoch that each table compares once per capture.
/// Thread-safety: one table per thread (no locks, no atomics but the epoch).
/// Signal-safety: not for signal handlers (a miss calls dl_iterate_phdr).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "frame_rule.h"

namespace memprof::preload {

class FrameRuleCache {
 public:
  static constexpr std::size_t kSlots = std::size_t{1} << 14;  // 256 KiB

  /// Adopts zero-filled memory (internalMap's) as an empty table of the current epoch.
  void initZeroed() noexcept { epoch_ = s_epoch.load(std::memory_order_acquire); }

  /// Empties the table if a flush happened since it was last used. Once per capture.
  void revalidate() noexcept {
    const std::uint32_t epoch = s_epoch.load(std::memory_order_acquire);
    if (epoch != epoch_) clear(epoch);
  }

  /// The rule for call site @p pc, derived (frame_rule_lookup) and kept on a miss.
  FrameRule ruleFor(std::uintptr_t pc) noexcept {
    std::size_t slot = slotOf(pc);
    for (std::size_t probe = 0; probe < kProbes; ++probe, slot = (slot + 1) & (kSlots - 1)) {
      if (slots_[slot].pc == pc) return slots_[slot].rule;
      if (slots_[slot].pc == 0) return fill(slot, pc);
    }
    return fill((slotOf(pc) + (pc & (kProbes - 1))) & (kSlots - 1), pc);
  }

  /// Makes every table empty itself before its next use (after dlclose).
  static void flushAll() noexcept { s_epoch.fetch_add(1, std::memory_order_acq_rel); }

  /// Bumped by every flush: rules read under another epoch may be stale.
  [[nodiscard]] std::uint32_t epoch() const noexcept { return epoch_; }

  /// Rules derived by this table (misses), for the verification report.
  [[nodiscard]] std::uint64_t derivations() const noexcept { return derivations_; }

 private:
  static constexpr std::size_t kProbes = 4;

  struct Slot {
    std::uintptr_t pc;
    FrameRule rule;
  };

  static std::size_t slotOf(std::uintptr_t pc) noexcept {
    return static_cast<std::size_t>((pc * 0x9E3779B97F4A7C15ull) >> 50) & (kSlots - 1);
  }

  FrameRule fill(std::size_t slot, std::uintptr_t pc) noexcept;
  void clear(std::uint32_t epoch) noexcept;

  static std::atomic<std::uint32_t> s_epoch;

  std::uint32_t epoch_ = 0;
  std::uint64_t derivations_ = 0;
  Slot slots_[kSlots];
};

}  // namespace memprof::preload
