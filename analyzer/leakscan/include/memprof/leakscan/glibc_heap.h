// SPDX-License-Identifier: MIT
/// @brief Which memory glibc's malloc owns around the live blocks: never a root.
///
/// Anonymous mappings are roots (memory a program or a runtime mmap'ed itself, such as
/// CPython's object arenas) unless they are the allocator's. The kernel merges neighbouring
/// anonymous mappings with equal permissions into one, so a mapping that holds a block may also
/// hold someone's root memory: instead of dropping such a mapping whole, the scanner subtracts
/// what glibc owns, read from the chunk header in front of each block:
/// - an mmapped chunk (IS_MMAPPED): its own mapping, [chunk - prev_size, chunk + size);
/// - a chunk of a non-main arena (NON_MAIN_ARENA): that arena's heap, a HEAP_MAX_SIZE (64 MiB)
///   reservation aligned to its size, which also holds free chunks with stale pointers.
/// Blocks whose header says neither (main arena, or not glibc's at all) get no range: the
/// caller then keeps the old, conservative rule for their mapping.
/// Thread-safety: pure apart from @p memory.
#pragma once

#include <cstdint>
#include <vector>

#include "memprof/leakscan/reachability.h"

namespace memprof::leakscan {

/// glibc's HEAP_MAX_SIZE on 64-bit targets (2 * DEFAULT_MMAP_THRESHOLD_MAX).
inline constexpr std::uint64_t kGlibcHeapMaxSize = 64ULL << 20;

/// The ranges glibc owns around @p blocks (sorted by address), unsorted and possibly
/// overlapping.
std::vector<Range> glibcOwnedRanges(const std::vector<Block>& blocks, MemorySource& memory);

}  // namespace memprof::leakscan
