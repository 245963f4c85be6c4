// SPDX-License-Identifier: MIT
/// @brief Turns replayed figures into a Report: symbolizes stacks (via the Symbolizer),
/// attributes per line (self and total), groups leaks by stack and builds the timeline.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "memprof/aggregate/heap_replay.h"
#include "memprof/model/report.h"
#include "memprof/reader/log_reader.h"
#include "memprof/symbolize/symbolizer.h"

namespace memprof::aggregate {

/// @p leakStacks: how many of the largest leaks get their frames (the others have an empty
/// stack), for renderers that show only a few; every leak is counted either way.
model::Report buildReport(const HeapReplay& replay, const reader::ReadSummary& summary,
                          const std::string& logPath, symbolize::Symbolizer& symbolizer,
                          std::size_t leakStacks = SIZE_MAX);

}  // namespace memprof::aggregate
