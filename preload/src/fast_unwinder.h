// SPDX-License-Identifier: MIT
/// @brief A fast x86-64 backtrace of the calling thread that returns exactly what libunwind's
/// unw_backtrace returns for the same stack, or gives up.
///
/// The walk is libunwind's fast trace (x86_64 tdep_trace) with a cheaper rule cache: each
/// frame's call site has a cached FrameRule (CFA from rsp or rbp, return address at CFA-8, rbp
/// unchanged or saved at CFA+offset), so a step is one table probe and one or two loads. Like
/// unw_backtrace, the first entry is the return address into the caller of fastBacktrace and
/// entries are exact return addresses; the walk ends at an Outermost frame (undefined return
/// address), at a return address below 0x4000, or after @p size entries.
///
/// It gives up (returns a negative FastUnwindStop) on any frame whose rule is Unknown (no
/// FDE, DWARF expressions, signal frames, ...), and whenever a step would leave the thread's
/// stack mapping or fail to move strictly outwards: a wrong rule ends a walk, never faults.
/// The caller then asks libunwind for the whole stack, so the result is always libunwind's.
/// Thread-safety: per-thread cache. Signal-safety: no (rule misses call dl_iterate_phdr).
#pragma once

#include <cstddef>
#include <cstdint>

#include "frame_rule_cache.h"

namespace memprof::preload {

enum FastUnwindStop : int {
  kFastUnwindUnknownRule = -1,  ///< a frame without a rule the fast path follows
  kFastUnwindOutOfStack = -2,   ///< a step left the stack mapping or did not move outwards
  kFastUnwindNoStack = -3,      ///< the thread's stack mapping is not known
};

/// Fills @p buffer with up to @p size return addresses, innermost first (the first one is in
/// the caller of this function), and returns how many; or a negative FastUnwindStop. When
/// @p stopPc is not null it receives the call site whose rule was Unknown.
int fastBacktrace(FrameRuleCache& rules, std::uintptr_t* buffer, int size,
                  std::uintptr_t* stopPc = nullptr) noexcept;

}  // namespace memprof::preload
