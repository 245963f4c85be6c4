// SPDX-License-Identifier: MIT
/// @brief Symbolized whole stacks with CPU-sample or byte weights, for flame graph exports.
#pragma once

#include <vector>

#include "memprof/aggregate/heap_replay.h"
#include "memprof/model/stack_profile.h"
#include "memprof/symbolize/symbolizer.h"

namespace memprof::aggregate {

/// One profile per requested kind, in the order asked, symbolizing each stack node once.
/// CPU stacks end at the exact program counter; allocation stacks at return addresses.
/// @p replay must be finish()ed.
std::vector<model::StackProfile> buildStackProfiles(const HeapReplay& replay,
                                                    symbolize::Symbolizer& symbolizer,
                                                    const std::vector<model::ProfileKind>& kinds);

}  // namespace memprof::aggregate
