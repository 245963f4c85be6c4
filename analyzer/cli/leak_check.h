// SPDX-License-Identifier: MIT
/// @brief CI verdicts on a recorded run: leak check (with suppressions) and budgets.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "memprof/model/report.h"

namespace memprof::cli {

struct LeakCheckOptions {
  bool leakCheck = false;
  int errorExitCode = 23;  ///< LeakSanitizer's default
  std::string suppressions;
  std::optional<std::uint64_t> maxPeak;
  std::optional<std::uint64_t> maxLeaked;
  bool children = false;  ///< check every process of the run, not only the main one's images
  [[nodiscard]] bool active() const { return leakCheck || maxPeak || maxLeaked; }
};

/// The verdict on several logs of one run, the main process's first (its exec successors, and
/// with --check-children every descendant). Leaks are checked where a process image ended: an
/// image replaced by exec lost its heap to the exec, not to a leak (memcheck and LeakSanitizer
/// do not check there either); a child with no exit-time scan (it left through _exit, like
/// most fork children) is skipped rather than failed. Budgets apply to every log. Returns
/// errorExitCode when any check fails, else 0.
int checkRun(const std::vector<std::string>& logs, const LeakCheckOptions& options);

}  // namespace memprof::cli
