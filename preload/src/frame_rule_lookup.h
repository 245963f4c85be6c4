// SPDX-License-Identifier: MIT
/// @brief Finds the unwind rule of a code address in the loaded modules: the module through
/// dl_iterate_phdr, its FDE through the module's .eh_frame_hdr table, the rule with cfi_rule.
///
/// Runs inside dl_iterate_phdr's callback, so the loader's lock keeps the module mapped while
/// its .eh_frame is read (libunwind looks its unwind info up the same way).
/// Thread-safety: thread-safe. Signal-safety: no (the loader's lock); not for signal handlers.
#pragma once

#include <cstdint>

#include "frame_rule.h"

namespace memprof::preload {

/// The rule for call site @p pc (a return address minus one); Unknown when no loaded module
/// holds @p pc, the module has no .eh_frame_hdr, no FDE covers it, or the rule is unusual.
FrameRule lookupFrameRule(std::uintptr_t pc) noexcept;

}  // namespace memprof::preload
