// SPDX-License-Identifier: MIT
/// @brief Encodes verdicts as LeakKinds records in frames, the scanner's reply to the preload.
///
/// Frame = u32le length + one complete LeakKinds record (type byte, varint count, then per
/// block zig-zag address delta from the previous one (from 0 in each record) and varint kind).
/// Frames stay below maxFrame bytes so the recorder can relay each with one fixed buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "memprof/leakscan/reachability.h"

namespace memprof::leakscan {

std::vector<std::vector<std::uint8_t>> encodeVerdictFrames(
    const std::vector<Block>& blocks, const std::vector<format::LeakKind>& kinds,
    std::size_t maxFrame);

}  // namespace memprof::leakscan
