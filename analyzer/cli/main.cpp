// SPDX-License-Identifier: MIT
/// @brief memprof: the command-line tool (launcher and analyzer). Dispatches subcommands and
/// turns every error into one line on stderr and a non-zero status.
#include <iostream>
#include <string>
#include <vector>

#include "commands.h"

namespace {

void usage(std::ostream& out) {
  out << "usage: memprof COMMAND [ARGS...]\n\n"
         "Recording:\n"
         "  run [OPTIONS] [--] PROGRAM [ARGS...]   record PROGRAM (and its children) into a log\n\n"
         "Analysis:\n"
         "  report [--format text|json] LOG        totals, hottest lines, leaks\n"
         "  lines [--function RE] [--file PATH] LOG  per-line tables with source\n"
         "  leaks [--format text|json] LOG         blocks never freed, with stacks\n"
         "  dump LOG                               every record as a line of text\n\n"
         "Run 'memprof COMMAND --help' for a command's options. Docs: docs/user-guide.md\n";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace memprof::cli;
  if (argc < 2) {
    usage(std::cerr);
    return kUsageError;
  }
  const std::string command = argv[1];
  try {
    if (command == "run") return runCommand(std::vector<std::string>(argv + 2, argv + argc));
    if (command == "report") return reportCommand(argc - 1, argv + 1);
    if (command == "lines") return linesCommand(argc - 1, argv + 1);
    if (command == "leaks") return leaksCommand(argc - 1, argv + 1);
    if (command == "dump") return dumpCommand(argc - 1, argv + 1);
    if (command == "-h" || command == "--help" || command == "help") {
      usage(std::cout);
      return 0;
    }
    if (command == "--version") {
      std::cout << "memprof " << MEMPROF_VERSION << '\n';
      return 0;
    }
  } catch (const AnalysisError& e) {
    std::cerr << "memprof: error: " << e.what() << '\n';
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "memprof: error: " << e.what() << '\n';
    return 1;
  }
  std::cerr << "memprof: unknown command '" << command << "'\n";
  usage(std::cerr);
  return kUsageError;
}
