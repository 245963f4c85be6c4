// SPDX-License-Identifier: MIT
/// @brief `memprof run --leak-check / --max-peak / --max-leaked`: the CI verdict.
#include "leak_check.h"

#include <algorithm>
#include <iostream>
#include <sstream>

#include "commands.h"
#include "memprof/leaks/suppressions.h"
#include "memprof/present/presenters.h"

namespace memprof::cli {

namespace {

bool failsCheck(const model::Leak& leak) { return leak.kind == "definite" || leak.kind == "indirect"; }

/// The lines holding the most of @p pick, for budget messages.
template <typename Pick>
void printTopLines(const model::Report& report, Pick pick, std::ostream& out) {
  std::vector<const model::LineEntry*> lines;
  for (const auto& l : report.lines) {
    if (pick(l) > 0) lines.push_back(&l);
  }
  std::stable_sort(lines.begin(), lines.end(),
                   [&](const auto* a, const auto* b) { return pick(*a) > pick(*b); });
  for (std::size_t i = 0; i < lines.size() && i < 5; ++i) {
    out << "    " << present::humanBytes(pick(*lines[i])) << "  " << lines[i]->file << ":"
        << lines[i]->line << " " << lines[i]->function << '\n';
  }
}

}  // namespace

int checkLog(const std::string& log, const LeakCheckOptions& options) {
  model::Report report;
  leaks::Suppressions rules = leaks::Suppressions::builtIn();
  try {
    if (!options.suppressions.empty()) rules.append(leaks::Suppressions::fromFile(options.suppressions));
    report = analyseLog(log);
  } catch (const std::exception& e) {
    std::cerr << "memprof: error: " << e.what() << '\n';
    return options.errorExitCode;
  }
  bool failed = false;
  if (options.leakCheck) {
    const std::size_t suppressed = leaks::applySuppressions(report, rules);
    model::Report failing = report;
    failing.leaks.clear();
    std::uint64_t bytes = 0;
    std::uint64_t blocks = 0;
    for (const auto& leak : report.leaks) {
      if (!failsCheck(leak)) continue;
      failing.leaks.push_back(leak);
      bytes += leak.bytes;
      blocks += leak.allocations;
    }
    failing.totals.leakedBytes = bytes;
    failing.totals.leakedAllocations = blocks;
    if (!failing.leaks.empty()) {
      failed = true;
      std::ostringstream text;
      present::writeLeaksText(failing, text);
      std::cerr << text.str();
      std::cerr << "memprof: leak check FAILED: " << bytes << " bytes definitely or indirectly lost in "
                << blocks << " blocks (" << suppressed << " stacks suppressed)\n";
    } else {
      std::cerr << "memprof: leak check passed: no definitely or indirectly lost blocks ("
                << report.totals.leakedBytes << " bytes still allocated at exit, " << suppressed
                << " stacks suppressed)\n";
    }
  }
  if (options.maxPeak && report.totals.peakHeapBytes > *options.maxPeak) {
    failed = true;
    std::cerr << "memprof: peak budget FAILED: heap peak " << present::humanBytes(report.totals.peakHeapBytes)
              << " exceeds --max-peak " << present::humanBytes(*options.maxPeak) << " by "
              << present::humanBytes(report.totals.peakHeapBytes - *options.maxPeak)
              << "; lines holding the most at the peak:\n";
    printTopLines(report, [](const model::LineEntry& l) { return l.self.peakBytes; }, std::cerr);
  }
  if (options.maxLeaked && report.totals.leakedBytes > *options.maxLeaked) {
    failed = true;
    std::cerr << "memprof: leak budget FAILED: " << present::humanBytes(report.totals.leakedBytes)
              << " leaked exceeds --max-leaked " << present::humanBytes(*options.maxLeaked) << " by "
              << present::humanBytes(report.totals.leakedBytes - *options.maxLeaked)
              << "; lines leaking the most:\n";
    printTopLines(report, [](const model::LineEntry& l) { return l.self.leakedBytes; }, std::cerr);
  }
  return failed ? options.errorExitCode : 0;
}

}  // namespace memprof::cli
