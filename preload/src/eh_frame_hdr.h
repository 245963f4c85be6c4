// SPDX-License-Identifier: MIT
/// @brief The .eh_frame_hdr section: its header and its sorted table of (function start, FDE),
/// the binary-search index the loader maps with every module (PT_GNU_EH_FRAME).
///
/// Only the layout every toolchain emits is accepted (version 1, a table of datarel sdata4
/// pairs); anything else reads as "no table", and callers fall back to something slower.
/// Thread-safety: pure functions over mapped, read-only memory. Signal-safety: yes.
#pragma once

#include <cstddef>
#include <cstdint>

namespace memprof::preload {

struct EhFrameHdrTable {
  std::uintptr_t hdr = 0;      ///< address of .eh_frame_hdr (the table's data-relative base)
  std::uintptr_t entries = 0;  ///< address of the first (initial location, FDE) pair; 0: none
  std::uint64_t count = 0;     ///< number of pairs
};

/// Parses the header at @p hdr, whose mapping ends at @p mappedEnd. The table must lie wholly
/// before @p mappedEnd. Returns a table with entries == 0 when the layout is not the usual one.
EhFrameHdrTable parseEhFrameHdr(std::uintptr_t hdr, std::uintptr_t mappedEnd) noexcept;

/// The FDE of the last table entry whose initial location is <= @p pc (the only one that can
/// cover it; the caller checks the FDE's range), or 0 if @p pc precedes every entry.
std::uintptr_t findFdeCandidate(const EhFrameHdrTable& table, std::uintptr_t pc) noexcept;

}  // namespace memprof::preload
