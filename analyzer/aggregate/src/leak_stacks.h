// SPDX-License-Identifier: MIT
/// @brief The report's leaks: unfreed blocks grouped by stack (by addresses) and kind.
///
/// Two steps so that the first can run on another thread while the frame table is busy with
/// line attribution: grouping reads only the replay; frames come from the table afterwards.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "frame_table.h"
#include "memprof/aggregate/heap_replay.h"
#include "memprof/model/report.h"

namespace memprof::aggregate {

struct LeakStack {
  std::uint32_t leaf = 0;  ///< the first leaf seen with this address sequence
  int kind = 0;            ///< -1: not scanned
  std::uint64_t bytes = 0;
  std::uint64_t allocations = 0;
};

/// One entry per distinct stack (by return addresses, across threads and module generations)
/// and kind, largest first; ties in the order of their address sequences.
/// Reads only @p replay, so it may run concurrently with other readers of it.
std::vector<LeakStack> groupLeakStacks(const HeapReplay& replay);

/// The leaks of @p stacks, in order; the first @p withFrames get their frames (ids into
/// @p table's pool), the others an empty stack.
std::vector<model::Leak> leaksOf(const std::vector<LeakStack>& stacks, FrameTable& table,
                                 std::size_t withFrames);

}  // namespace memprof::aggregate
