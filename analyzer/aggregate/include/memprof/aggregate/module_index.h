// SPDX-License-Identifier: MIT
/// @brief Finds the module holding an address in the module map of a given generation.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <vector>

#include "memprof/reader/events.h"

namespace memprof::aggregate {

class ModuleIndex {
 public:
  explicit ModuleIndex(const std::map<std::uint32_t, reader::ModuleSnapshot>& snapshots) {
    for (const auto& [generation, snapshot] : snapshots) {
      auto& ranges = m_ranges[generation];
      for (const reader::Module& m : snapshot.modules) {
        for (const reader::Segment& s : m.segments) {
          ranges.push_back(Range{m.base + s.vaddr, m.base + s.vaddr + s.memsz, &m});
        }
      }
      std::sort(ranges.begin(), ranges.end(),
                [](const Range& a, const Range& b) { return a.begin < b.begin; });
    }
  }

  /// The module containing @p ip in @p generation; if none, the nearest later generation that
  /// has it (a module loaded just before its first allocation), then earlier ones.
  [[nodiscard]] const reader::Module* find(std::uint32_t generation, std::uint64_t ip) const {
    auto exact = m_ranges.find(generation);
    if (exact != m_ranges.end()) {
      if (const auto* m = lookup(exact->second, ip)) return m;
    }
    for (auto it = m_ranges.upper_bound(generation); it != m_ranges.end(); ++it) {
      if (const auto* m = lookup(it->second, ip)) return m;
    }
    for (auto it = m_ranges.lower_bound(generation); it != m_ranges.begin();) {
      --it;
      if (const auto* m = lookup(it->second, ip)) return m;
    }
    return nullptr;
  }

 private:
  struct Range {
    std::uint64_t begin;
    std::uint64_t end;
    const reader::Module* module;
  };
  static const reader::Module* lookup(const std::vector<Range>& ranges, std::uint64_t ip) {
    // Return addresses point after the call; ip-1 is inside the caller's segment.
    const std::uint64_t probe = ip > 0 ? ip - 1 : 0;
    auto it = std::upper_bound(ranges.begin(), ranges.end(), probe,
                               [](std::uint64_t v, const Range& r) { return v < r.begin; });
    if (it == ranges.begin()) return nullptr;
    --it;
    return probe < it->end ? it->module : nullptr;
  }
  std::map<std::uint32_t, std::vector<Range>> m_ranges;
};

}  // namespace memprof::aggregate
