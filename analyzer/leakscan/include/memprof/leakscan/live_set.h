// SPDX-License-Identifier: MIT
/// @brief Replays a log into what the scan needs: blocks live at the end, latest module map.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "memprof/aggregate/pointer_map.h"
#include "memprof/leakscan/reachability.h"
#include "memprof/reader/events.h"

namespace memprof::leakscan {

class LiveSet : public reader::EventSink {
 public:
  void onModules(const reader::ModuleSnapshot& s) override;
  void onHeapEvent(const reader::HeapEvent& e) override;

  /// Live blocks sorted by address; overlapping leftovers (a free we never saw) are dropped.
  [[nodiscard]] std::vector<Block> sortedBlocks() const;
  /// The module map with the highest generation, or nullptr when the log has none.
  [[nodiscard]] const reader::ModuleSnapshot* modules() const {
    return m_haveModules ? &m_modules : nullptr;
  }

 private:
  aggregate::PointerMap m_live;
  reader::ModuleSnapshot m_modules;
  bool m_haveModules = false;
};

/// Reads @p logPath (cut short is fine: the process is still writing it) into a LiveSet.
/// Throws reader::LogError when the file is unreadable.
void readLiveSet(const std::string& logPath, LiveSet& out);

}  // namespace memprof::leakscan
