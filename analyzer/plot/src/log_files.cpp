// SPDX-License-Identifier: MIT
/// @brief Folder scans for logs, cheap header reads, process-tree selection (--children).
#include "memprof/plot/log_files.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <stdexcept>
#include <system_error>

#include "memprof/reader/log_reader.h"

namespace memprof::plot {

namespace fs = std::filesystem;

std::vector<std::string> logFilesIn(const std::string& dir) {
  struct Entry {
    fs::file_time_type mtime;
    std::string path;
  };
  std::vector<Entry> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir.empty() ? "." : dir, ec)) {
    std::error_code ignore;
    if (e.path().extension() != ".mprof" || !e.is_regular_file(ignore)) continue;
    const auto mtime = e.last_write_time(ignore);
    std::string path = e.path().string();
    if (path.rfind("./", 0) == 0) path = path.substr(2);  // "x.mprof", as the user sees it
    found.push_back({mtime, std::move(path)});
  }
  std::sort(found.begin(), found.end(), [](const Entry& a, const Entry& b) {
    return a.mtime != b.mtime ? a.mtime < b.mtime : a.path < b.path;
  });
  std::vector<std::string> out;
  for (auto& e : found) out.push_back(std::move(e.path));
  return out;
}

std::string newestLog(const std::string& dir) {
  const auto logs = logFilesIn(dir);
  if (logs.empty()) {
    throw std::runtime_error(
        "no memprof log (*.mprof) in " +
        (dir.empty() || dir == "." ? std::string("the current directory") : dir) +
        "; record one with 'memprof run PROGRAM' or name a LOG");
  }
  return logs.back();
}

namespace {

struct StopReading {};

/// Takes the Process record and stops the read there: a log's header costs one block.
class ProcessOnly : public reader::EventSink {
 public:
  void onProcess(const reader::ProcessInfo& p) override {
    info = p;
    throw StopReading{};
  }
  std::optional<reader::ProcessInfo> info;
};

}  // namespace

std::optional<reader::ProcessInfo> readProcessInfo(const std::string& path) {
  ProcessOnly sink;
  try {
    reader::readLog(path, sink);
  } catch (const StopReading&) {
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return sink.info;
}

std::vector<ProcessLog> descendants(const ProcessLog& root,
                                    const std::vector<ProcessLog>& candidates) {
  std::set<std::uint64_t> tree{root.process.pid};
  std::vector<const ProcessLog*> picked;
  std::vector<bool> taken(candidates.size(), false);
  // Grow the tree until no candidate joins: a child's log may come before its parent's.
  for (bool grew = true; grew;) {
    grew = false;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      const ProcessLog& c = candidates[i];
      if (taken[i] || c.path == root.path) continue;
      // Logs of older runs in the same folder may carry a reused pid.
      if (c.process.startRealtimeUs < root.process.startRealtimeUs) continue;
      if (tree.contains(c.process.pid) || tree.contains(c.process.ppid)) {
        taken[i] = true;
        picked.push_back(&c);
        grew = grew || tree.insert(c.process.pid).second;
      }
    }
  }
  std::stable_sort(picked.begin(), picked.end(), [](const ProcessLog* a, const ProcessLog* b) {
    return a->process.startRealtimeUs < b->process.startRealtimeUs;
  });
  std::vector<ProcessLog> out{root};
  for (const ProcessLog* p : picked) out.push_back(*p);
  return out;
}

std::vector<std::string> childLogs(const std::string& rootLog) {
  const auto root = readProcessInfo(rootLog);
  if (!root) return {rootLog};  // the full read reports what is wrong with it
  const fs::path dir = fs::path(rootLog).parent_path();
  std::vector<ProcessLog> candidates;
  for (const std::string& path : logFilesIn(dir.empty() ? "." : dir.string())) {
    std::error_code ec;
    if (fs::equivalent(path, rootLog, ec)) continue;
    if (auto info = readProcessInfo(path)) candidates.push_back({path, *info});
  }
  std::vector<std::string> out;
  for (const auto& p : descendants({rootLog, *root}, candidates)) out.push_back(p.path);
  return out;
}

}  // namespace memprof::plot
