// SPDX-License-Identifier: MIT
/// @brief What one fast-unwinder walk saw, kept so that the next walk of the same thread can
/// take the unchanged outer part of the stack over instead of walking it again.
///
/// A walk is a sequence of states (pc, cfa = rsp, rbp), each derived from the previous one by
/// that frame's rule (a pure function of pc) and the stack words the step read: the return
/// address at cfa - 8 and, for rules that save it, rbp. So when a new walk reaches a state
/// equal to a recorded one, and every word the recorded walk read from that state outwards
/// still holds the value it read, the rest of the new walk would repeat the recorded one
/// exactly, up to how it ended. Checking those words is a sequence of independent loads and
/// compares, much cheaper than rule look-ups whose loads each depend on the previous frame.
/// Thread-safety: owned by one thread. Signal-safety: yes (plain data).
#pragma once

#include <cstdint>

#include "frame_rule.h"

namespace memprof::preload {

struct WalkStep {
  std::uintptr_t pc;       ///< return address read at cfa - 8: the frame's output entry
  std::uintptr_t cfa;      ///< the frame's rsp (the CFA of the frame it returned from)
  std::uintptr_t rbp;      ///< the frame's rbp
  std::uintptr_t rbpSlot;  ///< where this step read rbp from; 0: the rule left rbp unchanged
  FrameRule rule;          ///< the frame's own rule (for its pc), when the walk looked it up
};

struct WalkRecord {
  static constexpr int kMaxSteps = 272;

  bool valid = false;           ///< a complete walk (not given up) is recorded
  bool endedAtLimit = false;    ///< stopped because the buffer was full, not at the outermost
  std::uint32_t ruleEpoch = 0;  ///< rules it followed (a flush may change them)
  std::uintptr_t stackBegin = 0;
  std::uintptr_t stackEnd = 0;
  /// How a walk that did not stop at its limit ended: 0 for an Outermost rule (nothing read),
  /// else the address of the return-address word that was too small to follow, and that word.
  std::uintptr_t endReadAddress = 0;
  std::uintptr_t endReadValue = 0;
  int count = 0;
  /// The first frame (the unwinder's own caller's call site) and its rule.
  std::uintptr_t firstPc = 0;
  FrameRule firstRule;
  WalkStep steps[kMaxSteps];

  /// The rule this walk used at depth @p depth for @p pc, if it was at that pc there: the
  /// record is hot in the cache, the rule table may not be, and a rule depends on pc only.
  [[nodiscard]] bool ruleAt(int depth, std::uintptr_t pc, FrameRule* rule) const noexcept {
    if (depth == 0) {
      if (firstPc != pc) return false;
      *rule = firstRule;
      return true;
    }
    if (depth > count || steps[depth - 1].pc != pc ||
        steps[depth - 1].rule.kind == FrameRuleKind::Unknown) {
      return false;
    }
    *rule = steps[depth - 1].rule;
    return true;
  }

  /// Whether every word steps (from, count) and the ending read are unchanged; if not,
  /// @p firstChanged receives the first step that differs (matches before it cannot help).
  bool unchangedFrom(int from, int* firstChanged) const noexcept {
    for (int i = from; i < count; ++i) {
      const WalkStep& step = steps[i];
      if (*reinterpret_cast<const std::uintptr_t*>(step.cfa - 8) != step.pc ||
          (step.rbpSlot != 0 &&
           *reinterpret_cast<const std::uintptr_t*>(step.rbpSlot) != step.rbp)) {
        *firstChanged = i;
        return false;
      }
    }
    if (endReadAddress != 0 &&
        *reinterpret_cast<const std::uintptr_t*>(endReadAddress) != endReadValue) {
      *firstChanged = count;
      return false;
    }
    return true;
  }
};

}  // namespace memprof::preload
