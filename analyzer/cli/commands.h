// SPDX-License-Identifier: MIT
/// @brief The subcommands of the memprof tool; each returns the process exit status.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "memprof/aggregate/heap_replay.h"
#include "memprof/model/report.h"
#include "memprof/reader/log_reader.h"

namespace memprof::cli {

int runCommand(const std::vector<std::string>& args);
int reportCommand(int argc, char** argv);
int linesCommand(int argc, char** argv);
int leaksCommand(int argc, char** argv);
int dumpCommand(int argc, char** argv);
int plotCommand(int argc, char** argv);
int listCommand(int argc, char** argv);
int cleanCommand(int argc, char** argv);
int peakCommand(int argc, char** argv);
int diffCommand(int argc, char** argv);
int flamegraphCommand(int argc, char** argv);
/// Hidden: the exit-time reachability scan spawned by libmemprof.so.
int leakScanCommand(int argc, char** argv);

/// Reads and analyses a log; prints warnings (truncation) on stderr.
/// Throws AnalysisError with a one-line message naming the file.
/// @p leakStacks: how many of the largest leaks need their frames (see buildReport).
model::Report analyseLog(const std::string& path, std::size_t leakStacks = SIZE_MAX);

/// Reads a log into @p replay and finishes it; prints the reader's warnings on stderr.
/// Throws AnalysisError like analyseLog.
reader::ReadSummary replayLog(const std::string& path, aggregate::HeapReplay& replay);

struct AnalysisError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Exit status for usage errors and unreadable input.
inline constexpr int kUsageError = 2;

}  // namespace memprof::cli
