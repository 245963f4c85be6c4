// SPDX-License-Identifier: MIT
/// @brief Live-set replay for the leak scanner (same counting rules as HeapReplay).
#include "memprof/leakscan/live_set.h"

#include <algorithm>

#include "memprof/reader/log_reader.h"
#include "memprof/reader/threaded_sink.h"

namespace memprof::leakscan {

void LiveSet::onModules(const reader::ModuleSnapshot& s) {
  if (!m_haveModules || s.generation >= m_modules.generation) {
    m_modules = s;
    m_haveModules = true;
  }
}

void LiveSet::onHeapEvent(const reader::HeapEvent& e) {
  aggregate::LiveBlock old;
  if (e.kind == reader::HeapEventKind::Alloc) {
    m_live.insert(e.ptr, aggregate::LiveBlock{e.size, e.stack});
  } else if (e.kind == reader::HeapEventKind::Free) {
    m_live.erase(e.ptr, &old);
  }
}

std::vector<Block> LiveSet::sortedBlocks() const {
  std::vector<Block> blocks;
  blocks.reserve(m_live.size());
  m_live.forEach([&](std::uint64_t ptr, const aggregate::LiveBlock& b) {
    blocks.push_back(Block{ptr, b.size});
  });
  std::sort(blocks.begin(), blocks.end(),
            [](const Block& a, const Block& b) { return a.addr < b.addr; });
  std::vector<Block> out;
  out.reserve(blocks.size());
  for (const Block& b : blocks) {
    if (!out.empty() && b.addr < out.back().addr + out.back().size) continue;
    out.push_back(b);
  }
  return out;
}

void readLiveSet(const std::string& logPath, LiveSet& out) {
  // The program waits at its exit for this replay: read and replay on two threads.
  reader::ThreadedSink overlapped(out);
  reader::readLog(logPath, overlapped);
  overlapped.finish();
}

}  // namespace memprof::leakscan
