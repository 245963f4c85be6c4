// SPDX-License-Identifier: MIT
/// @brief Attributes per-stack figures to source lines and functions (self and total).
///
/// Self goes to the innermost frame's line and function. Total goes once to every distinct
/// line and function of the stack: each stack node's path from the root is summarised by a
/// PathSetTrie set (memoised per node, so shared prefixes are walked once), stacks add their
/// figures to their set, and finish() sums the sets into the items they hold.
/// Addresses are resolved in the same order as a plain leaf-to-root walk of each stack, so
/// frame, line and function ids (and the output ordered by them) do not depend on the memo.
#pragma once

#include <cstdint>
#include <vector>

#include "frame_table.h"
#include "memprof/aggregate/flat_hash_map.h"
#include "memprof/aggregate/function_aggregator.h"
#include "memprof/aggregate/heap_replay.h"
#include "memprof/aggregate/path_set_trie.h"
#include "memprof/model/report.h"

namespace memprof::aggregate {

class LineAttribution {
 public:
  LineAttribution(const HeapReplay& replay, FrameTable& table, FunctionAggregator& functions)
      : m_replay(replay), m_table(table), m_functions(functions) {}

  /// Counts @p figures for the stack ending at node @p leaf; @p exactLeaf: the leaf's address is
  /// a sampled program counter (not a return address).
  void add(std::uint32_t leaf, bool exactLeaf, const model::Counters& figures);

  /// Hands the total figures to the lines and functions; call once, after every add().
  void finish();

  /// Per line id of the frame table.
  [[nodiscard]] const model::Counters& self(std::uint32_t line) const;
  [[nodiscard]] const model::Counters& total(std::uint32_t line) const;

 private:
  static constexpr std::uint32_t kUnknown = ~0U;
  struct Transition {
    std::uint64_t key = ~std::uint64_t{0};  ///< set << 32 | address
    std::uint32_t next = 0;
  };
  struct Step {
    std::uint32_t node;
    std::uint32_t address;
  };

  /// The path set of @p node (kEmpty for the root or a missing node), memoised.
  std::uint32_t setOf(std::uint32_t node);
  /// @p set extended by the lines and functions of @p address.
  std::uint32_t step(std::uint32_t set, std::uint32_t address);
  /// Interns the functions of frames resolved since the last call, in frame order, and lists
  /// the items (lines, functions) of addresses resolved since then.
  void noteNewFrames();

  const HeapReplay& m_replay;
  FrameTable& m_table;
  FunctionAggregator& m_functions;
  std::vector<std::uint32_t> m_functionOfFrame;
  std::vector<std::uint32_t> m_nodeSet;  ///< per node id: its path set, or kUnknown
  PathSetTrie m_sets;
  std::vector<Transition> m_recent = std::vector<Transition>(std::size_t{1} << 14);
  std::vector<model::Counters> m_perSet;
  std::vector<model::Counters> m_self;   ///< per line
  std::vector<model::Counters> m_total;  ///< per line, after finish()
  std::vector<Step> m_path;
  std::vector<std::uint32_t> m_addressItems;  ///< items of address a: [m_itemBegin[a], [a+1])
  std::vector<std::uint32_t> m_itemBegin{0};
};

}  // namespace memprof::aggregate
