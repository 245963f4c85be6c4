// SPDX-License-Identifier: MIT
/// @brief How to step from one x86-64 frame to its caller, in the one form the fast unwinder
/// follows: CFA = rsp or rbp + offset, return address at CFA - 8, the caller's rbp unchanged or
/// saved at CFA + offset (never 0: that
/// slot is the caller's). Everything else is Unknown (the capture falls back to libunwind).
/// Thread-safety: a plain value. Signal-safety: yes.
#pragma once

#include <cstdint>

namespace memprof::preload {

enum class FrameRuleKind : std::uint8_t {
  Unknown = 0,    ///< not expressible here (or no unwind info): fall back to libunwind
  Standard = 1,   ///< step with the fields below
  Outermost = 2,  ///< the return address is undefined: the walk ends at this frame
};

struct FrameRule {
  std::int32_t cfaOffset = 0;  ///< CFA = (cfaFromRbp ? rbp : rsp) + cfaOffset
  std::int16_t rbpOffset = 0;  ///< caller's rbp is at CFA + rbpOffset; 0: rbp is unchanged
  FrameRuleKind kind = FrameRuleKind::Unknown;
  bool cfaFromRbp = false;

  [[nodiscard]] bool rbpSaved() const noexcept { return rbpOffset != 0; }
  friend bool operator==(const FrameRule&, const FrameRule&) = default;
};
static_assert(sizeof(FrameRule) == 8, "a rule fits one word of the per-thread rule cache");

}  // namespace memprof::preload
