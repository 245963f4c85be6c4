// SPDX-License-Identifier: MIT
/// @brief A gnuplot child process: its stdin as a FILE*, its stderr kept for error messages,
/// its exit status checked (gnuplot-iostream's own popen cannot report either).
#pragma once

#include <sys/types.h>

#include <cstdio>
#include <string>

namespace memprof::plot {

class GnuplotProcess {
 public:
  /// Starts @p exe reading commands from a pipe. Throws GnuplotError when it cannot.
  explicit GnuplotProcess(const std::string& exe);
  ~GnuplotProcess();
  GnuplotProcess(const GnuplotProcess&) = delete;
  GnuplotProcess& operator=(const GnuplotProcess&) = delete;

  /// gnuplot's stdin; whoever takes it must fclose it (gnuplot-iostream does) before finish().
  std::FILE* takeInput();

  /// Waits for gnuplot to end. Throws GnuplotError carrying gnuplot's first error line when it
  /// failed (non-zero status, or "error"/"unknown" messages on its stderr).
  void finish();

 private:
  pid_t m_pid = -1;
  std::FILE* m_input = nullptr;
  int m_stderrFd = -1;
};

/// True if gnuplot runs @p commands without error (used to probe for terminals).
bool gnuplotAccepts(const std::string& exe, const std::string& commands);

}  // namespace memprof::plot
