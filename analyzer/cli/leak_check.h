// SPDX-License-Identifier: MIT
/// @brief CI verdicts on a recorded run: leak check (with suppressions) and budgets.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "memprof/model/report.h"

namespace memprof::cli {

struct LeakCheckOptions {
  bool leakCheck = false;
  int errorExitCode = 23;  ///< LeakSanitizer's default
  std::string suppressions;
  std::optional<std::uint64_t> maxPeak;
  std::optional<std::uint64_t> maxLeaked;
  [[nodiscard]] bool active() const { return leakCheck || maxPeak || maxLeaked; }
};

/// Analyses @p log, prints findings on stderr; returns errorExitCode when a check fails, else 0.
int checkLog(const std::string& log, const LeakCheckOptions& options);

}  // namespace memprof::cli
