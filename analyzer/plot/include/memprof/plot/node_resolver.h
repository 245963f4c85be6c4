// SPDX-License-Identifier: MIT
/// @brief Source frames of recorded stack nodes, cached per node, for site and function lookups.
#pragma once

#include <cstdint>
#include <map>
#include <unordered_map>
#include <vector>

#include "memprof/aggregate/heap_replay.h"
#include "memprof/aggregate/module_index.h"
#include "memprof/reader/events.h"
#include "memprof/symbolize/symbolizer.h"

namespace memprof::plot {

class NodeResolver {
 public:
  /// @p nodes by id and @p modules by generation, as a finished HeapReplay holds them; both must
  /// outlive the resolver.
  NodeResolver(const aggregate::HeapReplay::NodeTable& nodes,
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
  const aggregate::HeapReplay::NodeTable& m_nodes;
  symbolize::Symbolizer& m_symbolizer;
  aggregate::ModuleIndex m_modules;  ///< the report's module-generation rule, shared
  /// Cached per distinct (address, generation, exactness): millions of trie nodes share a few
  /// thousand addresses.
  struct Key {
    std::uint64_t ip;
    std::uint32_t generation;
    bool exact;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const noexcept {
      return std::hash<std::uint64_t>{}(k.ip * 0x9E3779B97F4A7C15ULL ^ k.generation ^
                                        (k.exact ? 0x5bd1e995ULL : 0));
    }
  };
  std::unordered_map<Key, std::vector<symbolize::SourceFrame>, KeyHash> m_cache;
};

}  // namespace memprof::plot
