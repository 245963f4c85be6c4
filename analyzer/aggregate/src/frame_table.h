// SPDX-License-Identifier: MIT
/// @brief Symbolizes a replay's stack nodes once each and interns frames and source lines, so
/// stacks become vectors of small integers (shared by the report and the flame graph builders).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "memprof/aggregate/flat_hash_map.h"
#include "memprof/aggregate/heap_replay.h"
#include "memprof/aggregate/module_index.h"
#include "memprof/model/report.h"
#include "memprof/symbolize/symbolizer.h"

namespace memprof::aggregate {

inline constexpr std::uint32_t kNoLine = ~0U;

class FrameTable {
 public:
  FrameTable(const HeapReplay& replay, symbolize::Symbolizer& symbolizer)
      : m_replay(replay), m_symbolizer(symbolizer), m_modules(replay.modules()) {}

  /// The id of a node's address (one per distinct address, generation and exactness), resolved
  /// on first sight. Ids are cached per address, not per node: millions of trie nodes share a
  /// few thousand return addresses. @p nodeId must be a node (< nodes().size()).
  std::uint32_t addressOf(std::uint32_t nodeId, bool exactPc) {
    const NodeRecord& node = m_replay.nodes()[nodeId];
    const AddressKey key{node.ip, node.generation, exactPc};
    if (const std::uint32_t* id = m_byAddress.find(key)) return *id;
    const auto id = static_cast<std::uint32_t>(m_spans.size());
    m_spans.push_back(resolveAddress(node, exactPc));
    m_byAddress.tryEmplace(key, id);
    return id;
  }

  std::size_t addressCount() const { return m_spans.size(); }

  /// Frame ids of an address, innermost (inlined) first, as [begin, end).
  std::pair<const std::uint32_t*, const std::uint32_t*> addressFrames(std::uint32_t address) const {
    const Span span = m_spans[address];
    return {m_addressFrames.data() + span.offset,
            m_addressFrames.data() + span.offset + span.count};
  }

  /// Frame ids of one node's address, innermost (inlined) first, as [begin, end).
  std::pair<const std::uint32_t*, const std::uint32_t*> nodeFrames(std::uint32_t nodeId,
                                                                   bool exactPc) {
    if (nodeId >= m_replay.nodes().size()) return {nullptr, nullptr};
    return addressFrames(addressOf(nodeId, exactPc));
  }

  /// All frame ids of the stack ending at @p leaf, innermost first.
  void stackFrames(std::uint32_t leaf, bool exactLeaf, std::vector<std::uint32_t>& out) {
    out.clear();
    bool first = true;
    for (std::uint32_t id = leaf; id != 0 && id < m_replay.nodes().size();
         id = m_replay.nodes()[id].parent) {
      const auto [begin, end] = nodeFrames(id, first && exactLeaf);
      out.insert(out.end(), begin, end);
      first = false;
      if (out.size() > 100000) break;  // a cycle would be corrupt input; never loop forever
    }
  }

  std::size_t frameCount() const { return m_frames->size(); }
  const model::Frame& frame(std::uint32_t id) const { return (*m_frames)[id]; }
  /// Every frame by id; shared so that report stacks can hold ids instead of copies.
  std::shared_ptr<const std::vector<model::Frame>> framePool() const { return m_frames; }
  std::uint32_t lineOf(std::uint32_t frameId) const { return m_lineOf[frameId]; }
  std::size_t lineCount() const { return m_lines.size(); }
  const std::pair<std::string, std::uint32_t>& lineKey(std::uint32_t id) const {
    return *m_lines[id];
  }
  const std::string& lineFunction(std::uint32_t id) const { return m_lineFunction[id]; }

 private:
  struct AddressKey {
    std::uint64_t ip;
    std::uint32_t generation;
    bool exact;
    bool operator==(const AddressKey&) const = default;
  };
  struct AddressKeyHash {
    std::size_t operator()(const AddressKey& k) const noexcept {
      return mixBits(k.ip ^ (std::uint64_t{k.generation} << 48) ^ (k.exact ? 0x5bd1e995ULL : 0));
    }
  };
  struct Span {
    std::uint32_t offset;
    std::uint32_t count;
  };

  Span resolveAddress(const NodeRecord& node, bool exactPc) {
    const reader::Module* module = m_modules.find(node.generation, node.ip);
    std::vector<symbolize::SourceFrame> frames;
    if (module != nullptr) {
      frames = m_symbolizer.resolve(
          symbolize::ModuleRef{module->path, module->buildId, module->base}, node.ip, !exactPc);
    }
    if (frames.empty()) frames.emplace_back();
    const Span span{static_cast<std::uint32_t>(m_addressFrames.size()),
                    static_cast<std::uint32_t>(frames.size())};
    for (const auto& f : frames) {
      model::Frame out{f.function, f.file,   f.line, module != nullptr ? module->path : "",
                       node.ip,    f.inlined};
      m_addressFrames.push_back(static_cast<std::uint32_t>(m_frames->size()));
      m_lineOf.push_back(lineId(out));
      m_frames->push_back(std::move(out));
    }
    return span;
  }

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
  std::shared_ptr<std::vector<model::Frame>> m_frames =
      std::make_shared<std::vector<model::Frame>>();
  std::vector<std::uint32_t> m_lineOf;
  std::map<std::pair<std::string, std::uint32_t>, std::uint32_t> m_lineIds;
  std::vector<const std::pair<std::string, std::uint32_t>*> m_lines;
  std::vector<std::string> m_lineFunction;
  FlatHashMap<AddressKey, std::uint32_t, AddressKeyHash> m_byAddress;  ///< -> index in m_spans
  std::vector<Span> m_spans;
  std::vector<std::uint32_t> m_addressFrames;
};

}  // namespace memprof::aggregate
