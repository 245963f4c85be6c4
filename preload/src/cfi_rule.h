// SPDX-License-Identifier: MIT
/// @brief Derives a FrameRule for one code address from its FDE in .eh_frame: decodes the FDE
/// and its CIE and runs their call-frame instructions up to the address.
///
/// The result must step exactly as libunwind's fast trace (x86_64 tdep_trace) would, so the
/// accepted subset is libunwind's "standard frame" and nothing more: CFA from rsp or rbp,
/// return address column 16 saved at CFA-8, rbp unchanged or at CFA+small offset, rsp unchanged;
/// Outermost where the return address is DW_CFA_undefined (_start, clone). Any instruction with
/// a DWARF expression, val_offset, set_loc, a register libunwind does not track (>= 17), signal
/// frames (augmentation 'S'), unknown augmentations or CIE versions give Unknown.
///
/// Rows are applied as libunwind does for a call site: @p pc is the return address minus one,
/// and the instructions of every row whose location is <= @p pc are run.
/// Thread-safety: pure (reads only the given memory). Signal-safety: yes.
#pragma once

#include <cstdint>

#include "frame_rule.h"

namespace memprof::preload {

/// The rule at @p pc from the FDE at address @p fde. Every read stays within
/// [@p boundsBegin, @p boundsEnd) (the mapped segment holding .eh_frame); a record reaching
/// outside it, or an FDE not covering @p pc, gives Unknown.
FrameRule deriveFrameRule(std::uintptr_t fde, std::uintptr_t boundsBegin, std::uintptr_t boundsEnd,
                          std::uintptr_t pc) noexcept;

}  // namespace memprof::preload
