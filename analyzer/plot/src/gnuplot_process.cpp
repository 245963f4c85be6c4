// SPDX-License-Identifier: MIT
/// @brief posix_spawn of gnuplot with a command pipe and a captured stderr.
#include "gnuplot_process.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "memprof/plot/gnuplot_renderer.h"

extern char** environ;

namespace memprof::plot {

namespace {

/// An anonymous temporary file for gnuplot's stderr (unlinked at once, read back by fd).
int anonymousFile() {
  char name[] = "/tmp/memprof-gnuplot-XXXXXX";
  const int fd = mkostemp(name, O_CLOEXEC);
  if (fd >= 0) unlink(name);
  return fd;
}

std::string readAll(int fd) {
  std::string out;
  if (fd < 0 || lseek(fd, 0, SEEK_SET) < 0) return out;
  char buf[4096];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;)
    out.append(buf, static_cast<std::size_t>(n));
  return out;
}

/// gnuplot reports errors as the offending command, a caret line, then "line N: message".
std::string firstErrorLine(const std::string& text) {
  std::size_t pos = 0;
  std::string fallback;
  while (pos < text.size()) {
    const std::size_t end = std::min(text.find('\n', pos), text.size());
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    const auto first = line.find_first_not_of(" \t^");
    if (first == std::string::npos) continue;
    line = line.substr(first);
    if (line.rfind("line ", 0) == 0 || line.find("error") != std::string::npos) return line;
    if (fallback.empty()) fallback = line;
  }
  return fallback;
}

}  // namespace

GnuplotProcess::GnuplotProcess(const std::string& exe) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0)
    throw GnuplotError(std::string("cannot start gnuplot: ") + std::strerror(errno));
  m_stderrFd = anonymousFile();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[0], STDIN_FILENO);
  if (m_stderrFd >= 0) posix_spawn_file_actions_adddup2(&actions, m_stderrFd, STDERR_FILENO);
  // gnuplot prints nothing useful on stdout for file terminals; keep ours clean.
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  char* argv[] = {const_cast<char*>(exe.c_str()), nullptr};
  const int rc = posix_spawn(&m_pid, exe.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[0]);
  if (rc != 0) {
    close(fds[1]);
    m_pid = -1;
    throw GnuplotError("cannot start " + exe + ": " + std::strerror(rc));
  }
  m_input = fdopen(fds[1], "w");
  if (m_input == nullptr) {
    close(fds[1]);
    throw GnuplotError(std::string("cannot talk to gnuplot: ") + std::strerror(errno));
  }
}

GnuplotProcess::~GnuplotProcess() {
  if (m_input != nullptr) std::fclose(m_input);
  if (m_pid > 0) {
    int status = 0;
    while (waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  if (m_stderrFd >= 0) close(m_stderrFd);
}

std::FILE* GnuplotProcess::takeInput() {
  std::FILE* f = m_input;
  m_input = nullptr;
  return f;
}

void GnuplotProcess::finish() {
  if (m_input != nullptr) {
    std::fclose(m_input);
    m_input = nullptr;
  }
  int status = 0;
  pid_t r;
  while ((r = waitpid(m_pid, &status, 0)) < 0 && errno == EINTR) {
  }
  m_pid = -1;
  const std::string err = readAll(m_stderrFd);
  const bool failed = r < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0;
  if (failed) {
    const std::string line = firstErrorLine(err);
    throw GnuplotError(
        "gnuplot failed: " +
        (line.empty() ? std::string("exit status ") + std::to_string(WEXITSTATUS(status)) : line));
  }
}

bool gnuplotAccepts(const std::string& exe, const std::string& commands) {
  try {
    GnuplotProcess p(exe);
    std::FILE* in = p.takeInput();
    std::fputs(commands.c_str(), in);
    std::fputs("\nexit\n", in);
    std::fclose(in);
    p.finish();
    return true;
  } catch (const GnuplotError&) {
    return false;
  }
}

}  // namespace memprof::plot
