// SPDX-License-Identifier: MIT
/// @brief The sampling rate that turns CPU samples into seconds.
#pragma once

#include "memprof/aggregate/heap_replay.h"

namespace memprof::aggregate {

/// The achieved rate the sampler reported; for a log cut short before the sampler reported
/// (it writes SamplerInfo late), the requested rate, so times are still given, approximately.
/// 0 when sampling was off.
inline double effectiveSampleHz(const HeapReplay& replay) {
  if (replay.hasSamplerInfo()) return static_cast<double>(replay.samplerInfo().achievedHz);
  return replay.cpuSamples() > 0 ? static_cast<double>(replay.process().sampleHz) : 0.0;
}

}  // namespace memprof::aggregate
