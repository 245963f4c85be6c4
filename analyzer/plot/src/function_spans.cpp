// SPDX-License-Identifier: MIT
/// @brief Memoised per-node matching and time binning of --function spans.
#include "memprof/plot/function_spans.h"

#include <algorithm>
#include <numeric>

namespace memprof::plot {

std::vector<std::pair<double, double>> binsToSpans(const std::vector<bool>& on, double binS,
                                                   double offsetS) {
  std::vector<std::pair<double, double>> spans;
  for (std::size_t i = 0; i < on.size();) {
    if (!on[i]) {
      ++i;
      continue;
    }
    const std::size_t begin = i;
    while (i < on.size() && on[i]) ++i;
    spans.emplace_back(offsetS + static_cast<double>(begin) * binS,
                       offsetS + static_cast<double>(i) * binS);
  }
  return spans;
}

FunctionSpanCollector::FunctionSpanCollector(NodeResolver& resolver, std::regex pattern,
                                             std::string patternText, std::uint64_t endUs,
                                             std::size_t bins, std::uint64_t minBinUs)
    : m_resolver(resolver), m_pattern(std::move(pattern)), m_patternText(std::move(patternText)) {
  bins = std::max<std::size_t>(bins, 1);
  m_binUs = std::max<std::uint64_t>({1, minBinUs, endUs / bins + 1});
  m_bins = static_cast<std::size_t>(endUs / m_binUs + 1);
}

std::uint32_t FunctionSpanCollector::functionId(const std::string& name) {
  auto [it, inserted] = m_ids.try_emplace(name, static_cast<std::uint32_t>(m_names.size()));
  if (inserted) {
    m_names.push_back(name);
    m_on.emplace_back(m_bins, false);
  }
  return it->second;
}

const std::vector<std::uint32_t>& FunctionSpanCollector::matches(std::uint32_t stack,
                                                                 bool exactLeaf) {
  auto key = [](std::uint32_t id, bool exact) {
    return (static_cast<std::uint64_t>(id) << 1) | (exact ? 1U : 0U);
  };
  if (auto it = m_memo.find(key(stack, exactLeaf)); it != m_memo.end()) return it->second;
  // Walk up to the first ancestor already known (return-address frames above the leaf), then
  // fill in downwards; iterative, since stacks can be thousands of frames deep.
  std::vector<std::pair<std::uint32_t, bool>> path;
  std::uint32_t id = stack;
  bool exact = exactLeaf;
  while (id != 0 && !m_memo.contains(key(id, exact)) && path.size() < 100000) {
    path.emplace_back(id, exact);
    id = m_resolver.parent(id);
    exact = false;
  }
  std::vector<std::uint32_t> above;
  if (id != 0) {
    if (auto it = m_memo.find(key(id, exact)); it != m_memo.end()) above = it->second;
  }
  for (auto p = path.rbegin(); p != path.rend(); ++p) {
    std::vector<std::uint32_t> here = above;
    for (const symbolize::SourceFrame& f : m_resolver.frames(p->first, p->second)) {
      if (f.function.empty()) continue;
      auto [known, fresh] = m_nameMatches.try_emplace(f.function, false);
      if (fresh) known->second = std::regex_search(f.function, m_pattern);
      if (!known->second) continue;
      const std::uint32_t fid = functionId(f.function);
      if (std::find(here.begin(), here.end(), fid) == here.end()) here.push_back(fid);
    }
    above = m_memo.emplace(key(p->first, p->second), std::move(here)).first->second;
  }
  static const std::vector<std::uint32_t> kNone;
  auto it = m_memo.find(key(stack, exactLeaf));
  return it == m_memo.end() ? kNone : it->second;
}

void FunctionSpanCollector::mark(std::uint64_t timeUs,
                                 const std::vector<std::uint32_t>& functions) {
  const std::size_t bin = std::min<std::size_t>(timeUs / m_binUs, m_bins - 1);
  for (const std::uint32_t f : functions) m_on[f][bin] = true;
}

void FunctionSpanCollector::onHeapEvent(const reader::HeapEvent& e) {
  if (e.kind == reader::HeapEventKind::Alloc && e.stack != 0)
    mark(e.timeUs, matches(e.stack, false));
}

void FunctionSpanCollector::onSample(const reader::Sample& s) {
  if (s.stack != 0) mark(s.timeUs, matches(s.stack, true));
}

std::vector<FunctionSpans> FunctionSpanCollector::result(std::size_t maxRows,
                                                         double offsetS) const {
  const double binS = static_cast<double>(m_binUs) / 1e6;
  std::vector<std::size_t> order(m_names.size());
  std::iota(order.begin(), order.end(), 0);
  auto onCount = [&](std::size_t f) { return std::count(m_on[f].begin(), m_on[f].end(), true); };
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return onCount(a) > onCount(b); });
  std::vector<FunctionSpans> out;
  if (order.size() > maxRows) {
    // Too many to read as separate rows: one row for the whole pattern.
    std::vector<bool> any(m_bins, false);
    for (const auto& on : m_on) {
      for (std::size_t b = 0; b < m_bins; ++b) any[b] = any[b] || on[b];
    }
    out.push_back(
        FunctionSpans{"/" + m_patternText + "/ (" + std::to_string(order.size()) + " functions)",
                      binsToSpans(any, binS, offsetS)});
    return out;
  }
  for (std::size_t f : order)
    out.push_back(FunctionSpans{m_names[f], binsToSpans(m_on[f], binS, offsetS)});
  return out;
}

}  // namespace memprof::plot
