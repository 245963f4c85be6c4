// SPDX-License-Identifier: MIT
/// @brief `memprof list`, `memprof clean`, `memprof peak`: mprof's habits for the logs of the
/// current directory.
#include <CLI/CLI.hpp>
#include <ctime>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "commands.h"
#include "memprof/aggregate/heap_replay.h"
#include "memprof/plot/figure_builder.h"
#include "memprof/plot/log_files.h"
#include "memprof/present/presenters.h"
#include "memprof/reader/log_reader.h"

namespace memprof::cli {

namespace {

std::string localTime(std::uint64_t realtimeUs) {
  if (realtimeUs == 0) return "?";
  const std::time_t t = static_cast<std::time_t>(realtimeUs / 1000000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string commandOf(const reader::ProcessInfo& p) {
  std::string out;
  for (const auto& a : p.argv) out += (out.empty() ? "" : " ") + a;
  if (out.empty()) out = p.exe;
  if (out.size() > 80) out = out.substr(0, 77) + "...";  // one line per log
  return out;
}

std::string seconds(double s) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(s < 100 ? 3 : 1) << s << " s";
  return out.str();
}

}  // namespace

int listCommand(int argc, char** argv) {
  CLI::App app{"List the memprof logs of the current directory, oldest first", "memprof list"};
  CLI11_PARSE(app, argc, argv);
  const auto logs = plot::logFilesIn(".");
  if (logs.empty()) {
    std::cout << "no memprof logs (*.mprof) in the current directory\n";
    return 0;
  }
  std::cout << std::left << std::setw(4) << "#" << std::setw(21) << "started" << std::right
            << std::setw(11) << "peak heap" << std::setw(11) << "peak RSS"
            << "  " << std::left << std::setw(36) << "log"
            << "command\n";
  for (std::size_t i = 0; i < logs.size(); ++i) {
    // Only the replay (no symbolization): a listing must stay quick.
    aggregate::HeapReplay replay;
    std::string problem;
    try {
      const auto summary = reader::readLog(logs[i], replay);
      if (summary.truncated) problem = " (cut short)";
    } catch (const std::exception& e) {
      problem = std::string("unreadable: ") + e.what();
    }
    std::cout << std::left << std::setw(4) << i;
    if (problem.rfind("unreadable", 0) == 0) {
      std::cout << std::setw(21) << "-" << std::right << std::setw(11) << "-" << std::setw(11)
                << "-"
                << "  " << std::left << std::setw(36) << logs[i] << '(' << problem << ")\n";
      continue;
    }
    std::cout << std::setw(21) << localTime(replay.process().startRealtimeUs) << std::right
              << std::setw(11) << present::humanBytes(replay.peakHeap()) << std::setw(11)
              << present::humanBytes(replay.peakRss()) << "  " << std::left << std::setw(36)
              << logs[i] << commandOf(replay.process()) << problem << '\n';
  }
  return 0;
}

int cleanCommand(int argc, char** argv) {
  CLI::App app{"Remove the memprof logs of the current directory", "memprof clean"};
  bool dryRun = false;
  app.add_flag("-n,--dry-run", dryRun, "only list what would be removed");
  CLI11_PARSE(app, argc, argv);
  std::size_t removed = 0;
  int status = 0;
  for (const auto& log : plot::logFilesIn(".")) {
    if (!reader::looksLikeLog(log)) {  // a .mprof that is not ours: leave it alone
      std::cerr << "memprof: warning: " << log << ": not a memprof log, kept\n";
      continue;
    }
    std::error_code ec;
    if (!dryRun) std::filesystem::remove(log, ec);
    if (ec) {
      std::cerr << "memprof: error: " << log << ": cannot remove: " << ec.message() << '\n';
      status = 1;
      continue;
    }
    std::cout << (dryRun ? "would remove " : "removed ") << log << '\n';
    ++removed;
  }
  if (removed == 0 && status == 0) std::cout << "no memprof logs to remove\n";
  return status;
}

int peakCommand(int argc, char** argv) {
  CLI::App app{"Peak heap and peak RSS of a log, and when. Without LOG: the newest log here.",
               "memprof peak"};
  std::string log;
  app.add_option("LOG", log, "the log (default: the newest *.mprof in the current directory)");
  CLI11_PARSE(app, argc, argv);
  if (log.empty()) log = plot::newestLog(".");
  const model::Report report = analyseLog(log);
  const model::Totals& t = report.totals;
  std::cout << log << ": "
            << (report.program.command.empty() ? report.program.executable
                                               : report.program.command.front());
  for (std::size_t i = 1; i < report.program.command.size(); ++i)
    std::cout << ' ' << report.program.command[i];
  std::cout << '\n'
            << "peak heap: " << present::humanBytes(t.peakHeapBytes) << " (" << t.peakHeapBytes
            << " bytes) at " << seconds(t.peakTimeS);
  if (const std::string site = plot::topPeakSite(report); !site.empty())
    std::cout << ", most in " << site;
  std::cout << '\n'
            << "peak RSS:  " << present::humanBytes(t.peakRssBytes) << " (" << t.peakRssBytes
            << " bytes) at " << seconds(t.peakRssTimeS) << '\n'
            << "duration:  " << seconds(t.durationS) << '\n';
  return 0;
}

}  // namespace memprof::cli
