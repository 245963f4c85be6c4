// SPDX-License-Identifier: MIT
/// @brief The per-thread rule table (see frame_rule_cache.h).
#include "frame_rule_cache.h"

#include <cstring>

#include "frame_rule_lookup.h"
#include "loader_lock_guard.h"

namespace memprof::preload {

constinit std::atomic<std::uint32_t> FrameRuleCache::s_epoch{0};

FrameRule FrameRuleCache::fill(std::size_t slot, std::uintptr_t pc) noexcept {
  const LoaderScope loader;
  if (!loader) return FrameRule{};  // a fork is being prepared: unknown this once, not cached
  const FrameRule rule = lookupFrameRule(pc);
  ++derivations_;
  slots_[slot] = Slot{pc, rule};
  return rule;
}

void FrameRuleCache::clear(std::uint32_t epoch) noexcept {
  std::memset(static_cast<void*>(slots_), 0, sizeof slots_);
  epoch_ = epoch;
}

}  // namespace memprof::preload
