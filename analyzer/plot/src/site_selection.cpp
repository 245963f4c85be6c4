// SPDX-License-Identifier: MIT
/// @brief Groups leaf stacks by their innermost source line and keeps the largest.
#include "memprof/plot/site_selection.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <tuple>

namespace memprof::plot {

std::string Site::label() const {
  std::string name = function.empty() ? "??" : function;
  if (file.empty()) return name;
  const auto slash = file.rfind('/');
  return name + " (" + (slash == std::string::npos ? file : file.substr(slash + 1)) + ":" +
         std::to_string(line) + ")";
}

std::vector<std::size_t> rankSites(const std::vector<Site>& keys, std::size_t count) {
  std::vector<std::size_t> order(keys.size());
  std::iota(order.begin(), order.end(), 0);
  std::erase_if(order, [&](std::size_t i) { return keys[i].bytes == 0; });
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return std::tie(keys[a].peakBytes, keys[a].bytes) > std::tie(keys[b].peakBytes, keys[b].bytes);
  });
  if (order.size() > count) order.resize(count);
  return order;
}

SiteSelection selectTopSites(const aggregate::HeapReplay& replay, NodeResolver& resolver,
                             std::size_t count) {
  // One key per source line; a frame without line information is keyed by its function.
  std::map<std::tuple<std::string, std::uint32_t, std::string>, std::size_t> index;
  std::vector<Site> keys;
  std::vector<std::int32_t> keyOfLeaf(replay.stacks().idLimit(), -1);
  replay.stacks().forEach([&](std::uint32_t id, const aggregate::StackFigures& s) {
    if (s.allocations == 0) return;
    const symbolize::SourceFrame& f = resolver.frames(id, false).front();
    const bool hasLine = !f.file.empty() && f.line != 0;
    auto key = std::make_tuple(hasLine ? f.file : std::string(), hasLine ? f.line : 0U,
                               hasLine ? std::string() : f.function);
    auto [it, inserted] = index.try_emplace(key, keys.size());
    if (inserted)
      keys.push_back(Site{f.function, hasLine ? f.file : "", hasLine ? f.line : 0, 0, 0});
    keys[it->second].peakBytes += s.peakBytes;
    keys[it->second].bytes += s.bytes;
    keyOfLeaf[id] = static_cast<std::int32_t>(it->second);
  });
  SiteSelection out;
  std::vector<std::int32_t> siteOfKey(keys.size(), -1);
  for (std::size_t k : rankSites(keys, count)) {
    siteOfKey[k] = static_cast<std::int32_t>(out.sites.size());
    out.sites.push_back(keys[k]);
  }
  out.siteOfLeaf.resize(keyOfLeaf.size(), -1);
  for (std::size_t id = 0; id < keyOfLeaf.size(); ++id) {
    if (keyOfLeaf[id] >= 0) out.siteOfLeaf[id] = siteOfKey[static_cast<std::size_t>(keyOfLeaf[id])];
  }
  return out;
}

}  // namespace memprof::plot
