// SPDX-License-Identifier: MIT
/// @brief Per-function figures (self and cumulative), the way cProfile/pstats tabulate them.
///
/// Pure: fed the same per-stack figures as the line attribution, one stack at a time, as
/// vectors of function ids (from functionOf). A function's key is its name and source file, so
/// it matches the (file, function) groups of `memprof lines`; frames without a file are keyed
/// by name and module instead.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "memprof/model/report.h"

namespace memprof::aggregate {

class FunctionAggregator {
 public:
  /// The id of the function @p frame belongs to (interned on first sight).
  std::uint32_t functionOf(const model::Frame& frame);

  /// Counts one stack's figures: self at the innermost function, total once at every distinct
  /// function of the stack (a recursive function is counted once). @p functions innermost first.
  void add(const std::vector<std::uint32_t>& functions, const model::Counters& figures);

  /// The two halves of add() for callers that de-duplicate a stack's functions themselves.
  void addSelf(std::uint32_t function, const model::Counters& figures) {
    m_entries[function].self += figures;
  }
  void addTotal(std::uint32_t function, const model::Counters& figures) {
    m_entries[function].total += figures;
  }

  /// Functions with any figure, by total samples, self samples, total bytes, then total peak
  /// bytes, descending (ties by name).
  [[nodiscard]] std::vector<model::FunctionEntry> entries() const;

 private:
  std::map<std::tuple<std::string, std::string, std::string>, std::uint32_t> m_ids;
  std::vector<model::FunctionEntry> m_entries;
  std::vector<std::uint64_t> m_stamp;  ///< last add() that counted the function's total
  std::uint64_t m_visit = 0;
};

}  // namespace memprof::aggregate
