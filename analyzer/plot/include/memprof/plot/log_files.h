// SPDX-License-Identifier: MIT
/// @brief The logs of a folder, as mprof finds its own: newest, all, a run's process tree.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "memprof/reader/events.h"

namespace memprof::plot {

/// Regular files named *.mprof in @p dir, oldest first (by modification time, then name).
std::vector<std::string> logFilesIn(const std::string& dir);

/// The newest *.mprof in @p dir. Throws std::runtime_error when there is none.
std::string newestLog(const std::string& dir);

/// The log's Process record (pid, ppid, start time, command) without reading further;
/// nullopt when the file is not a readable log.
std::optional<reader::ProcessInfo> readProcessInfo(const std::string& path);

struct ProcessLog {
  std::string path;
  reader::ProcessInfo process;
};

/// From candidate logs, those of @p root's process and its descendants (by ppid, following
/// exec successors that keep the pid), started no earlier than root; root first, the others
/// in start order. Pure, for tests.
std::vector<ProcessLog> descendants(const ProcessLog& root,
                                    const std::vector<ProcessLog>& candidates);

/// The logs of @p rootLog's folder that belong to its process tree (root first).
std::vector<std::string> childLogs(const std::string& rootLog);

}  // namespace memprof::plot
