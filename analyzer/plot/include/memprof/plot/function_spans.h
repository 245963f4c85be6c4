// SPDX-License-Identifier: MIT
/// @brief When functions matching a regular expression were on the stack (--function), from
/// CPU samples and allocation stacks, as time spans per function.
///
/// Time is cut into bins; a bin is "on" for a function when an event in it had the function on
/// its stack, and runs of "on" bins become spans. Memory is bins x matching functions.
#pragma once

#include <cstdint>
#include <regex>
#include <string>
#include <unordered_map>
#include <vector>

#include "memprof/plot/node_resolver.h"
#include "memprof/plot/series.h"
#include "memprof/reader/events.h"

namespace memprof::plot {

class FunctionSpanCollector : public reader::EventSink {
 public:
  /// @p minBinUs: the shortest bin, e.g. a few sampling periods, so that consecutive samples of
  /// one call join into one span.
  FunctionSpanCollector(NodeResolver& resolver, std::regex pattern, std::string patternText,
                        std::uint64_t endUs, std::size_t bins, std::uint64_t minBinUs);

  void onHeapEvent(const reader::HeapEvent& e) override;
  void onSample(const reader::Sample& s) override;

  /// At most @p maxRows functions, by time on the stack; more matches fold into one row
  /// named after the pattern. @p offsetS shifts every span (multi-process time axis).
  [[nodiscard]] std::vector<FunctionSpans> result(std::size_t maxRows, double offsetS = 0) const;

 private:
  const std::vector<std::uint32_t>& matches(std::uint32_t stack, bool exactLeaf);
  void mark(std::uint64_t timeUs, const std::vector<std::uint32_t>& functions);
  std::uint32_t functionId(const std::string& name);

  NodeResolver& m_resolver;
  std::regex m_pattern;
  std::string m_patternText;
  std::uint64_t m_binUs;
  std::size_t m_bins;
  std::vector<std::string> m_names;
  std::unordered_map<std::string, std::uint32_t> m_ids;
  std::unordered_map<std::string, bool> m_nameMatches;
  std::vector<std::vector<bool>> m_on;                                   ///< per function, per bin
  std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> m_memo;  ///< (node, exact) →
};

/// Runs of consecutive "on" bins as [begin, end] seconds; exposed for tests.
std::vector<std::pair<double, double>> binsToSpans(const std::vector<bool>& on, double binS,
                                                   double offsetS);

}  // namespace memprof::plot
