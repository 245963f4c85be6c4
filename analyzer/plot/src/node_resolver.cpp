// SPDX-License-Identifier: MIT
/// @brief Node → module → symbolizer, with the same module-generation rule as the report.
#include "memprof/plot/node_resolver.h"

namespace memprof::plot {

NodeResolver::NodeResolver(const aggregate::HeapReplay::NodeTable& nodes,
                           const std::map<std::uint32_t, reader::ModuleSnapshot>& modules,
                           symbolize::Symbolizer& symbolizer)
    : m_nodes(nodes), m_symbolizer(symbolizer), m_modules(modules) {}

const std::vector<symbolize::SourceFrame>& NodeResolver::frames(std::uint32_t id, bool exactPc) {
  const aggregate::NodeRecord* node = id != 0 && id < m_nodes.size() ? &m_nodes[id] : nullptr;
  const Key key = node == nullptr ? Key{0, 0, false} : Key{node->ip, node->generation, exactPc};
  if (auto it = m_cache.find(key); it != m_cache.end()) return it->second;
  std::vector<symbolize::SourceFrame> out;
  if (node != nullptr) {
    if (const reader::Module* module = m_modules.find(node->generation, node->ip)) {
      out = m_symbolizer.resolve(symbolize::ModuleRef{module->path, module->buildId, module->base},
                                 node->ip, !exactPc);
    }
  }
  if (out.empty()) out.emplace_back();
  return m_cache.emplace(key, std::move(out)).first->second;
}

}  // namespace memprof::plot
