// SPDX-License-Identifier: MIT
/// @brief Symbolizes a replay's stack nodes once each and interns frames and source lines, so
/// stacks become vectors of small integers (shared by the report and the flame graph builders).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "memprof/aggregate/heap_replay.h"
#include "memprof/model/report.h"
#include "memprof/symbolize/symbolizer.h"
#include "module_index.h"

namespace memprof::aggregate {

inline constexpr std::uint32_t kNoLine = ~0U;

class FrameTable {
 public:
  FrameTable(const HeapReplay& replay, symbolize::Symbolizer& symbolizer)
      : m_replay(replay), m_symbolizer(symbolizer), m_modules(replay.modules()) {}

  /// Frame ids of one node's address, innermost (inlined) first.
  const std::vector<std::uint32_t>& nodeFrames(std::uint32_t nodeId, bool exactPc) {
    auto& cache = exactPc ? m_exactCache : m_returnCache;
    if (auto it = cache.find(nodeId); it != cache.end()) return it->second;
    std::vector<std::uint32_t> ids;
    if (nodeId < m_replay.nodes().size()) {
      const reader::StackNode& node = m_replay.nodes()[nodeId];
      const reader::Module* module = m_modules.find(node.generation, node.ip);
      std::vector<symbolize::SourceFrame> frames;
      if (module != nullptr) {
        frames = m_symbolizer.resolve(
            symbolize::ModuleRef{module->path, module->buildId, module->base}, node.ip, !exactPc);
      }
      if (frames.empty()) frames.emplace_back();
      for (const auto& f : frames) {
        model::Frame out{f.function, f.file,   f.line, module != nullptr ? module->path : "",
                         node.ip,    f.inlined};
        ids.push_back(static_cast<std::uint32_t>(m_frames.size()));
        m_lineOf.push_back(lineId(out));
        m_frames.push_back(std::move(out));
      }
    }
    return cache.emplace(nodeId, std::move(ids)).first->second;
  }

  /// All frame ids of the stack ending at @p leaf, innermost first.
  void stackFrames(std::uint32_t leaf, bool exactLeaf, std::vector<std::uint32_t>& out) {
    out.clear();
    bool first = true;
    for (std::uint32_t id = leaf; id != 0 && id < m_replay.nodes().size();
         id = m_replay.nodes()[id].parent) {
      const auto& f = nodeFrames(id, first && exactLeaf);
      out.insert(out.end(), f.begin(), f.end());
      first = false;
      if (out.size() > 100000) break;  // a cycle would be corrupt input; never loop forever
    }
  }

  std::size_t frameCount() const { return m_frames.size(); }
  const model::Frame& frame(std::uint32_t id) const { return m_frames[id]; }
  std::uint32_t lineOf(std::uint32_t frameId) const { return m_lineOf[frameId]; }
  std::size_t lineCount() const { return m_lines.size(); }
  const std::pair<std::string, std::uint32_t>& lineKey(std::uint32_t id) const {
    return *m_lines[id];
  }
  const std::string& lineFunction(std::uint32_t id) const { return m_lineFunction[id]; }

 private:
  std::uint32_t lineId(const model::Frame& f) {
    if (f.file.empty() || f.line == 0) return kNoLine;
    auto [it, inserted] =
        m_lineIds.try_emplace({f.file, f.line}, static_cast<std::uint32_t>(m_lines.size()));
    if (inserted) {
      m_lines.push_back(&it->first);
      m_lineFunction.push_back(f.function);
    }
    return it->second;
  }

  const HeapReplay& m_replay;
  symbolize::Symbolizer& m_symbolizer;
  ModuleIndex m_modules;
  std::vector<model::Frame> m_frames;
  std::vector<std::uint32_t> m_lineOf;
  std::map<std::pair<std::string, std::uint32_t>, std::uint32_t> m_lineIds;
  std::vector<const std::pair<std::string, std::uint32_t>*> m_lines;
  std::vector<std::string> m_lineFunction;
  std::unordered_map<std::uint32_t, std::vector<std::uint32_t>> m_returnCache;
  std::unordered_map<std::uint32_t, std::vector<std::uint32_t>> m_exactCache;
};

}  // namespace memprof::aggregate
