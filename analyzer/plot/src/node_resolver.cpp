// SPDX-License-Identifier: MIT
/// @brief Node → module → symbolizer, with the same module-generation rule as the report.
#include "memprof/plot/node_resolver.h"

#include <algorithm>

namespace memprof::plot {

NodeResolver::NodeResolver(const std::vector<reader::StackNode>& nodes,
                           const std::map<std::uint32_t, reader::ModuleSnapshot>& modules,
                           symbolize::Symbolizer& symbolizer)
    : m_nodes(nodes), m_symbolizer(symbolizer) {
  for (const auto& [generation, snapshot] : modules) {
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

const reader::Module* NodeResolver::findModule(std::uint32_t generation, std::uint64_t ip) const {
  // A return address points after the call; ip-1 lies inside the caller's segment.
  const std::uint64_t probe = ip > 0 ? ip - 1 : 0;
  auto lookup = [probe](const std::vector<Range>& ranges) -> const reader::Module* {
    auto it = std::upper_bound(ranges.begin(), ranges.end(), probe,
                               [](std::uint64_t v, const Range& r) { return v < r.begin; });
    if (it == ranges.begin()) return nullptr;
    --it;
    return probe < it->end ? it->module : nullptr;
  };
  // The node's own generation first; then later ones (a module mapped just before its first
  // use), then earlier ones (unloaded since) — the rule the report builder follows too.
  if (auto exact = m_ranges.find(generation); exact != m_ranges.end()) {
    if (const auto* m = lookup(exact->second)) return m;
  }
  for (auto it = m_ranges.upper_bound(generation); it != m_ranges.end(); ++it) {
    if (const auto* m = lookup(it->second)) return m;
  }
  for (auto it = m_ranges.lower_bound(generation); it != m_ranges.begin();) {
    --it;
    if (const auto* m = lookup(it->second)) return m;
  }
  return nullptr;
}

const std::vector<symbolize::SourceFrame>& NodeResolver::frames(std::uint32_t id, bool exactPc) {
  const std::uint64_t key = (static_cast<std::uint64_t>(id) << 1) | (exactPc ? 1U : 0U);
  if (auto it = m_cache.find(key); it != m_cache.end()) return it->second;
  std::vector<symbolize::SourceFrame> out;
  if (id != 0 && id < m_nodes.size()) {
    const reader::StackNode& node = m_nodes[id];
    if (const reader::Module* module = findModule(node.generation, node.ip)) {
      out = m_symbolizer.resolve(symbolize::ModuleRef{module->path, module->buildId, module->base},
                                 node.ip, !exactPc);
    }
  }
  if (out.empty()) out.emplace_back();
  return m_cache.emplace(key, std::move(out)).first->second;
}

}  // namespace memprof::plot
