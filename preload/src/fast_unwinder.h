// SPDX-License-Identifier: MIT
/// @brief A fast x86-64 backtrace of the calling thread that returns exactly what libunwind's
/// unw_backtrace returns for the same stack, or gives up.
///
/// The walk is libunwind's fast trace (x86_64 tdep_trace) with a cheaper rule cache: each
/// frame's call site has a cached FrameRule (CFA from rsp or rbp, return address at CFA-8, rbp
/// unchanged or saved at CFA+offset), so a step is one table probe and one or two loads. Like
/// unw_backtrace, the first entry is the return address into the caller of backtrace() and
/// entries are exact return addresses; the walk ends at an Outermost frame (undefined return
/// address), at a return address below 0x4000, or after @p size entries.
///
/// Consecutive captures of a thread mostly share their outer frames, so the previous walk is
/// kept (walk_record.h): once the new walk reaches a state the previous one passed through and
/// the stack words that walk read from there on are unchanged, its frames are taken over.
///
/// It gives up (returns a negative FastUnwindStop) on any frame whose rule is Unknown (no
/// FDE, DWARF expressions, signal frames, ...), and whenever a step would leave the thread's
/// stack mapping or fail to move strictly outwards: a wrong rule ends a walk, never faults.
/// The caller then asks libunwind for the whole stack, so the result is always libunwind's.
/// Thread-safety: one FastUnwinder per thread. Signal-safety: no (rule misses call
/// dl_iterate_phdr); captureStack is never called from signal handlers.
#pragma once

#include <cstddef>
#include <cstdint>

#include "frame_rule_cache.h"
#include "walk_record.h"

namespace memprof::preload {

enum FastUnwindStop : int {
  kFastUnwindUnknownRule = -1,  ///< a frame without a rule the fast path follows
  kFastUnwindOutOfStack = -2,   ///< a step left the stack mapping or did not move outwards
  kFastUnwindNoStack = -3,      ///< the thread's stack mapping is not known
};

class FastUnwinder {
 public:
  /// A new unwinder in internal memory (about 270 KiB, mostly the rule table), or nullptr.
  static FastUnwinder* create() noexcept;

  /// Fills @p buffer with up to @p size return addresses, innermost first (the first one is
  /// in the caller of this function), and returns how many; or a negative FastUnwindStop.
  /// When @p stopPc is not null it receives the call site whose rule was Unknown. @p size
  /// is at most WalkRecord::kMaxSteps (272, captureStack's 256 + 16): larger sizes are cut.
  int backtrace(std::uintptr_t* buffer, int size, std::uintptr_t* stopPc = nullptr) noexcept;

  /// For the verification report: rules derived, frames stepped and frames taken over.
  [[nodiscard]] std::uint64_t derivations() const noexcept { return rules_.derivations(); }
  [[nodiscard]] std::uint64_t framesWalked() const noexcept { return framesWalked_; }
  [[nodiscard]] std::uint64_t framesReused() const noexcept { return framesReused_; }

 private:
  int walk(std::uintptr_t pc, std::uintptr_t rsp, std::uintptr_t rbp, std::uintptr_t* buffer,
           int size, std::uintptr_t* stopPc) noexcept;

  std::uint64_t framesWalked_ = 0;
  std::uint64_t framesReused_ = 0;
  int previous_ = 0;  ///< index of the last walk's record
  WalkRecord records_[2];
  FrameRuleCache rules_;
};

}  // namespace memprof::preload
