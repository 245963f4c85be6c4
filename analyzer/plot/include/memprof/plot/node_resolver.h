// SPDX-License-Identifier: MIT
/// @brief Source frames of recorded stack nodes, cached per node, for site and function lookups.
#pragma once

#include <cstdint>
#include <map>
#include <unordered_map>
#include <vector>

#include "memprof/reader/events.h"
#include "memprof/symbolize/symbolizer.h"

namespace memprof::plot {

class NodeResolver {
 public:
  /// @p nodes by id and @p modules by generation, as a finished HeapReplay holds them; both must
  /// outlive the resolver.
  NodeResolver(const std::vector<reader::StackNode>& nodes,
               const std::map<std::uint32_t, reader::ModuleSnapshot>& modules,
               symbolize::Symbolizer& symbolizer);

  /// Frames at node @p id's address, innermost (inlined) first; never empty.
  /// @p exactPc: the address is a sampled program counter, not a return address.
  const std::vector<symbolize::SourceFrame>& frames(std::uint32_t id, bool exactPc);

  /// Parent of node @p id (0 = none, also for unknown ids).
  [[nodiscard]] std::uint32_t parent(std::uint32_t id) const {
    return id < m_nodes.size() ? m_nodes[id].parent : 0;
  }

 private:
  struct Range {
    std::uint64_t begin;
    std::uint64_t end;
    const reader::Module* module;
  };
  const reader::Module* findModule(std::uint32_t generation, std::uint64_t ip) const;

  const std::vector<reader::StackNode>& m_nodes;
  symbolize::Symbolizer& m_symbolizer;
  std::map<std::uint32_t, std::vector<Range>> m_ranges;  ///< by generation, sorted by begin
  std::unordered_map<std::uint64_t, std::vector<symbolize::SourceFrame>> m_cache;
};

}  // namespace memprof::plot
