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

/// "12 B definite, 0 B indirect, 0 B possible, 72.0 KiB reachable".
std::string kindSummary(const model::Report& report) {
  const char* kinds[] = {"definite", "indirect", "possible", "reachable"};
  std::ostringstream s;
  for (const char* kind : kinds) {
    std::uint64_t bytes = 0;
    for (const auto& leak : report.leaks) bytes += leak.kind == kind ? leak.bytes : 0;
    s << (kind == kinds[0] ? "" : ", ") << present::humanBytes(bytes) << " " << kind;
  }
  return s.str();
}

/// Leak verdict; returns true when definite/indirect leaks remain after suppressions. With
/// @p quietPass (one process among several) a pass prints nothing: the run's summary says it.
bool checkLeaks(model::Report report, const leaks::Suppressions& rules, bool quietPass,
                std::ostream& out) {
  const bool anyScanned = std::any_of(report.leaks.begin(), report.leaks.end(),
                                      [](const model::Leak& l) { return l.kindScanned; });
  if (report.program.signal && !anyScanned) {
    // Killed before exit: no reachability scan ran, so nothing is known to be lost.
    out << "memprof: leak check skipped: the program was killed by signal "
        << *report.program.signal << " before the exit-time scan\n";
    return false;
  }
  const std::size_t suppressed = leaks::applySuppressions(report, rules);
  model::Report failing = report;
  failing.leaks.clear();
  std::uint64_t bytes = 0;
  std::uint64_t blocks = 0;
  for (const auto& leak : report.leaks) {
    if (!present::leakFails(leak)) continue;
    failing.leaks.push_back(leak);  // report order: by stack, largest first
    bytes += leak.bytes;
    blocks += leak.allocations;
  }
  failing.totals.leakedBytes = bytes;
  failing.totals.leakedAllocations = blocks;
  if (!anyScanned && !report.leaks.empty()) {
    out << "memprof: note: no exit-time reachability scan in this log (MEMPROF_LEAK_SCAN=0, or "
           "the scan failed): every unfreed block counts as definitely lost\n";
  }
  if (!failing.leaks.empty()) {
    std::ostringstream text;
    present::writeLeaksText(failing, text);
    out << text.str();
    out << "memprof: leak check FAILED: " << bytes << " bytes definitely or indirectly lost in "
        << blocks << (blocks == 1 ? " block" : " blocks") << " from " << failing.leaks.size()
        << (failing.leaks.size() == 1 ? " stack" : " stacks") << " (" << suppressed
        << " stacks suppressed; all unfreed: " << kindSummary(report) << ")\n";
    return true;
  }
  if (!quietPass) {
    out << "memprof: leak check passed: no definitely or indirectly lost blocks ("
        << report.totals.leakedBytes << " bytes still allocated at exit: " << kindSummary(report)
        << "; " << suppressed << " stacks suppressed)\n";
  }
  return false;
}

/// Budgets on one process; true when one is exceeded (the message is printed). An image that
/// exec'd leaked nothing: what it left went with the exec, so only its peak is judged.
bool checkBudgets(const model::Report& report, const LeakCheckOptions& options, std::ostream& out) {
  bool failed = false;
  if (options.maxPeak && report.totals.peakHeapBytes > *options.maxPeak) {
    failed = true;
    out << "memprof: peak budget FAILED: heap peak "
        << present::humanBytes(report.totals.peakHeapBytes) << " exceeds --max-peak "
        << present::humanBytes(*options.maxPeak) << " by "
        << present::humanBytes(report.totals.peakHeapBytes - *options.maxPeak)
        << "; lines holding the most at the peak:\n";
    printTopLines(
        report, [](const model::LineEntry& l) { return l.self.peakBytes; }, out);
  }
  if (options.maxLeaked && !report.program.execed &&
      report.totals.leakedBytes > *options.maxLeaked) {
    failed = true;
    out << "memprof: leak budget FAILED: " << present::humanBytes(report.totals.leakedBytes)
        << " leaked exceeds --max-leaked " << present::humanBytes(*options.maxLeaked) << " by "
        << present::humanBytes(report.totals.leakedBytes - *options.maxLeaked)
        << "; lines leaking the most:\n";
    printTopLines(
        report, [](const model::LineEntry& l) { return l.self.leakedBytes; }, out);
  }
  return failed;
}

leaks::Suppressions loadRules(const LeakCheckOptions& options) {
  leaks::Suppressions rules = leaks::Suppressions::builtIn();
  if (!options.suppressions.empty())
    rules.append(leaks::Suppressions::fromFile(options.suppressions));
  return rules;
}

std::string commandLine(const model::Program& p) {
  std::string out;
  for (const auto& arg : p.command) out += (out.empty() ? "" : " ") + arg;
  return out.size() > 100 ? out.substr(0, 97) + "..." : out;
}

}  // namespace

int checkRun(const std::vector<std::string>& logs, const LeakCheckOptions& options) {
  leaks::Suppressions rules;
  try {
    rules = loadRules(options);
  } catch (const std::exception& e) {
    std::cerr << "memprof: error: " << e.what() << '\n';
    return options.errorExitCode;
  }
  const bool several = logs.size() > 1;
  bool failed = false;
  std::size_t checked = 0;
  std::size_t execed = 0;
  std::size_t unscanned = 0;
  for (std::size_t i = 0; i < logs.size(); ++i) {
    model::Report report;
    try {
      report = analyseLog(logs[i]);
    } catch (const std::exception& e) {
      std::cerr << "memprof: error: " << e.what() << '\n';
      failed = true;
      continue;
    }
    bool leakCheck = options.leakCheck;
    if (leakCheck && report.program.execed) {
      ++execed;
      leakCheck = false;
    }
    const bool scanned = std::any_of(report.leaks.begin(), report.leaks.end(),
                                     [](const model::Leak& l) { return l.kindScanned; });
    if (leakCheck && i > 0 && !scanned && !report.leaks.empty() && !report.program.signal) {
      ++unscanned;  // a fork child that left through _exit: nothing is known to be lost
      leakCheck = false;
    }
    if (leakCheck) ++checked;
    std::ostringstream findings;
    if (leakCheck && checkLeaks(report, rules, several, findings)) failed = true;
    if (checkBudgets(report, options, findings)) failed = true;
    if (several && !findings.str().empty()) {
      // Findings of one process among many: say which one first.
      std::cerr << "memprof: [pid " << report.program.pid << "] " << commandLine(report.program)
                << " (" << logs[i] << ")\n";
    }
    std::cerr << findings.str();
  }
  if (several && options.leakCheck) {
    std::cerr << "memprof: leak check " << (failed ? "FAILED" : "passed") << ": " << checked
              << (checked == 1 ? " program image" : " program images") << " checked at exit; "
              << execed
              << " replaced by exec not checked (exec discards the heap; no tool counts it)";
    if (unscanned != 0)
      std::cerr << "; " << unscanned << " fork children without an exit-time scan (_exit)";
    std::cerr << "\n";
  }
  return failed ? options.errorExitCode : 0;
}

}  // namespace memprof::cli
