// SPDX-License-Identifier: MIT
/// @brief Whole call stacks with one weight each (CPU samples or bytes): the input of flame graphs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "memprof/model/report.h"

namespace memprof::model {

/// What a stack's weight measures.
enum class ProfileKind : std::uint8_t {
  Cpu,     ///< program-counter samples
  Alloc,   ///< bytes allocated
  Peak,    ///< bytes live at the run's heap peak
  Leaked,  ///< bytes still live at the end
};

struct ProfileStack {
  std::vector<std::uint32_t> frames;  ///< indices into StackProfile::frames, root (outermost) first
  std::uint64_t weight = 0;
};

/// Distinct stacks of one kind; frames are shared (one entry per function and source line).
struct StackProfile {
  ProfileKind kind = ProfileKind::Cpu;
  std::vector<Frame> frames;         ///< address is 0: a frame is a source location, not an address
  std::vector<ProfileStack> stacks;  ///< in no particular order; weights > 0
  double sampleHz = 0;               ///< to turn CPU samples into seconds (0: unknown)
  std::string programName;
};

/// "cpu", "alloc", "peak", "leaked".
inline const char* profileKindName(ProfileKind kind) {
  switch (kind) {
    case ProfileKind::Cpu:
      return "cpu";
    case ProfileKind::Alloc:
      return "alloc";
    case ProfileKind::Peak:
      return "peak";
    case ProfileKind::Leaked:
      return "leaked";
  }
  return "cpu";
}

}  // namespace memprof::model
