// SPDX-License-Identifier: MIT
/// @brief Self and cumulative figures per function over whole stacks.
#include "memprof/aggregate/function_aggregator.h"

#include <algorithm>

namespace memprof::aggregate {

std::uint32_t FunctionAggregator::functionOf(const model::Frame& frame) {
  // A module path only tells functions apart when there is no file (libraries without debug
  // information); with a file, the same inline function in two modules is one function.
  auto key = std::make_tuple(frame.function, frame.file,
                             frame.file.empty() ? frame.module : std::string());
  auto [it, inserted] =
      m_ids.try_emplace(std::move(key), static_cast<std::uint32_t>(m_entries.size()));
  if (inserted) {
    model::FunctionEntry e;
    e.function = frame.function;
    e.file = frame.file;
    e.module = frame.module;
    m_entries.push_back(std::move(e));
    m_stamp.push_back(0);
  }
  model::FunctionEntry& e = m_entries[it->second];
  // The lowest line seen approximates where the function starts (its first-seen line could be
  // anywhere in the body).
  if (frame.line != 0 && (e.line == 0 || frame.line < e.line)) e.line = frame.line;
  return it->second;
}

void FunctionAggregator::add(const std::vector<std::uint32_t>& functions,
                             const model::Counters& figures) {
  if (functions.empty()) return;
  m_entries[functions.front()].self += figures;
  ++m_visit;
  for (const std::uint32_t f : functions) {
    if (m_stamp[f] == m_visit) continue;  // recursion: once per stack
    m_stamp[f] = m_visit;
    m_entries[f].total += figures;
  }
}

std::vector<model::FunctionEntry> FunctionAggregator::entries() const {
  std::vector<model::FunctionEntry> out;
  for (const auto& e : m_entries) {
    if (!e.total.empty()) out.push_back(e);
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    if (a.total.samples != b.total.samples) return a.total.samples > b.total.samples;
    if (a.self.samples != b.self.samples) return a.self.samples > b.self.samples;
    if (a.total.bytes != b.total.bytes) return a.total.bytes > b.total.bytes;
    if (a.total.peakBytes != b.total.peakBytes) return a.total.peakBytes > b.total.peakBytes;
    return std::tie(a.function, a.file) < std::tie(b.function, b.file);
  });
  return out;
}

}  // namespace memprof::aggregate
