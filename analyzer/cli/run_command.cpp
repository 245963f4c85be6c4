// SPDX-License-Identifier: MIT
/// @brief `memprof run`: starts the program with libmemprof.so preloaded and reports where the
/// log went; with --leak-check or budgets, analyses the log and sets the exit status for CI.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>

#include "commands.h"
#include "leak_check.h"
#include "memprof/plot/log_files.h"
#include "memprof/present/presenters.h"
#include "preload_path.h"

namespace memprof::cli {

namespace {

struct RunOptions {
  std::string output;
  std::optional<unsigned> sampleHz;
  std::string clock = "cpu";
  bool follow = true;
  LeakCheckOptions check;
  std::vector<std::string> program;
};

void usage(std::ostream& out) {
  out << "usage: memprof run [OPTIONS] [--] PROGRAM [ARGS...]\n"
         "  -o, --output PATH        log of the main process (default ./PROGRAM.PID.mprof);\n"
         "                           %p = pid; a directory (or PATH/) gets DIR/PROGRAM.PID.mprof\n"
         "  --sample-hz N            CPU samples per second per thread (0 = off, default 1000)\n"
         "  --clock cpu|wall         sample on CPU time (default) or wall-clock time\n"
         "  --no-follow              record the main process only (no fork children, no exec)\n"
         "  --leak-check             exit with --error-exitcode when leaks are found\n"
         "  --error-exitcode N       exit status for failed checks (default 23)\n"
         "  --suppressions FILE      LeakSanitizer-style leak:PATTERN rules\n"
         "  --max-peak SIZE          fail when the heap peak exceeds SIZE (512K, 64M, 1.5G)\n"
         "  --max-leaked SIZE        fail when leaked bytes exceed SIZE\n"
         "  --check-children         apply the checks to every process of the run (fork children\n"
         "                           too); by default, to the program the main process ended as\n"
         "                           (after any exec: wrapper scripts are seen through)\n";
}

/// Parses options up to the program name; everything after it belongs to the program.
std::optional<RunOptions> parse(const std::vector<std::string>& args) {
  RunOptions o;
  std::size_t i = 0;
  auto value = [&](const std::string& name) -> std::string {
    if (i + 1 >= args.size()) throw std::invalid_argument(name + " needs a value");
    return args[++i];
  };
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (a.empty() || a[0] != '-') break;
    std::string name = a;
    std::optional<std::string> inlineValue;
    if (auto eq = a.find('='); eq != std::string::npos && a.rfind("--", 0) == 0) {
      name = a.substr(0, eq);
      inlineValue = a.substr(eq + 1);
    }
    auto get = [&](const std::string& n) { return inlineValue ? *inlineValue : value(n); };
    if (name == "-o" || name == "--output")
      o.output = get(name);
    else if (name == "--sample-hz")
      o.sampleHz = static_cast<unsigned>(std::stoul(get(name)));
    else if (name == "--clock") {
      o.clock = get(name);
      if (o.clock != "cpu" && o.clock != "wall")
        throw std::invalid_argument("--clock takes cpu or wall");
    } else if (name == "--no-follow")
      o.follow = false;
    else if (name == "--leak-check")
      o.check.leakCheck = true;
    else if (name == "--check-children")
      o.check.children = true;
    else if (name == "--error-exitcode")
      o.check.errorExitCode = std::stoi(get(name));
    else if (name == "--suppressions")
      o.check.suppressions = get(name);
    else if (name == "--max-peak")
      o.check.maxPeak = present::parseSize(get(name));
    else if (name == "--max-leaked")
      o.check.maxLeaked = present::parseSize(get(name));
    else if (name == "-h" || name == "--help") {
      usage(std::cout);
      return std::nullopt;
    } else {
      throw std::invalid_argument("unknown option " + a);
    }
  }
  o.program.assign(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
  if (o.program.empty()) throw std::invalid_argument("no program to run");
  return o;
}

std::string programName(const std::string& program) {
  const auto slash = program.rfind('/');
  return slash == std::string::npos ? program : program.substr(slash + 1);
}

std::string absolute(const std::string& path) {
  return std::filesystem::absolute(path).lexically_normal().string();
}

/// The main process's log: -o PATH as given (%p = pid), inside -o DIR/ (an existing
/// directory, or a path ending in '/': one log per run, e.g. per test of a suite), or ./.
std::string logPath(const RunOptions& o, pid_t pid) {
  const std::string name = programName(o.program[0]) + "." + std::to_string(pid) + ".mprof";
  if (o.output.empty()) return absolute(name);
  std::error_code ec;
  if (o.output.back() == '/' || std::filesystem::is_directory(o.output, ec)) {
    std::filesystem::create_directories(o.output, ec);
    return absolute(o.output + "/" + name);
  }
  std::string path = o.output;
  for (auto at = path.find("%p"); at != std::string::npos; at = path.find("%p", at)) {
    path.replace(at, 2, std::to_string(pid));
  }
  path = absolute(path);
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  return path;
}

/// The logs the checks look at: the main process's (its exec successors keep its pid and
/// write their own logs), and with --check-children those of every descendant too.
std::vector<std::string> runLogs(const std::string& mainLog, pid_t mainPid, const RunOptions& o) {
  if (!o.follow) return {mainLog};
  std::vector<std::string> logs;
  for (const std::string& path : plot::childLogs(mainLog)) {
    if (o.check.children || path == mainLog) {
      logs.push_back(path);
    } else if (const auto info = plot::readProcessInfo(path);
               info && info->pid == static_cast<std::uint64_t>(mainPid)) {
      logs.push_back(path);
    }
  }
  return logs;
}

}  // namespace

int runCommand(const std::vector<std::string>& args) {
  std::optional<RunOptions> parsed;
  try {
    parsed = parse(args);
  } catch (const std::exception& e) {
    std::cerr << "memprof run: " << e.what() << '\n';
    usage(std::cerr);
    return kUsageError;
  }
  if (!parsed) return 0;
  RunOptions& o = *parsed;
  std::string library;
  try {
    library = findPreloadLibrary();
  } catch (const std::exception& e) {
    std::cerr << "memprof: error: " << e.what() << '\n';
    return kUsageError;
  }

  // Ignore terminal signals while the program runs, as system() does: Ctrl-C goes to the
  // program (same process group) and we report how it ended.
  struct sigaction ignore {
  }, oldInt{}, oldQuit{};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGINT, &ignore, &oldInt);
  sigaction(SIGQUIT, &ignore, &oldQuit);

  const pid_t child = fork();
  if (child < 0) {
    std::cerr << "memprof: error: fork failed: " << std::strerror(errno) << '\n';
    return kUsageError;
  }
  const std::string log = logPath(o, child == 0 ? getpid() : child);
  if (child == 0) {
    sigaction(SIGINT, &oldInt, nullptr);
    sigaction(SIGQUIT, &oldQuit, nullptr);
    const char* existing = getenv("LD_PRELOAD");
    std::string preload = library;
    if (existing != nullptr && existing[0] != '\0') preload.append(":").append(existing);
    setenv("LD_PRELOAD", preload.c_str(), 1);
    setenv("MEMPROF_OUTPUT", log.c_str(), 1);
    if (o.sampleHz) setenv("MEMPROF_SAMPLE_HZ", std::to_string(*o.sampleHz).c_str(), 1);
    setenv("MEMPROF_CLOCK", o.clock.c_str(), 1);
    setenv("MEMPROF_FOLLOW", o.follow ? "1" : "0", 1);
    // A leak check needs every block classified, however long the run (unless the user said
    // MEMPROF_LEAK_SCAN=0 explicitly).
    if (o.check.leakCheck) setenv("MEMPROF_LEAK_SCAN", "1", /*overwrite=*/0);
    // The exit-time leak scanner is this very binary (`memprof __leak-scan`).
    if (getenv("MEMPROF_SCANNER") == nullptr) {
      std::error_code ec;
      const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
      if (!ec) setenv("MEMPROF_SCANNER", self.c_str(), 1);
    }
    std::vector<char*> argv;
    for (auto& a : o.program) argv.push_back(a.data());
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    std::cerr << "memprof run: cannot run " << o.program[0] << ": " << std::strerror(errno) << '\n';
    _exit(errno == ENOENT ? 127 : 126);
  }
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  sigaction(SIGINT, &oldInt, nullptr);
  sigaction(SIGQUIT, &oldQuit, nullptr);
  int exitStatus = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (WIFEXITED(status) && (WEXITSTATUS(status) == 127 || WEXITSTATUS(status) == 126) &&
      !std::filesystem::exists(log)) {
    return exitStatus;  // the program could not be started; the message is already out
  }
  std::cerr << "memprof: log written to " << log << '\n';
  if (o.check.active()) {
    const int verdict = checkRun(runLogs(log, child, o), o.check);
    if (verdict != 0) exitStatus = verdict;
  }
  return exitStatus;
}

}  // namespace memprof::cli
