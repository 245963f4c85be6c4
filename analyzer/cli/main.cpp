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
         "  leaks [--format text|json|junit|sarif] LOG  blocks never freed, by kind, with stacks\n"
         "  diff [--fail-on-increase PCT] OLD NEW  per-line changes between two runs\n"
         "  flamegraph [--kind cpu|alloc|peak|leaked] [--format folded|speedscope] [-o OUT] LOG\n"
         "                                         stacks for flamegraph.pl / inferno / "
         "speedscope\n"
         "  dump LOG                               every record as a line of text\n\n"
         "Pictures and logs of the current directory (as mprof):\n"
         "  plot [-o OUT.png|svg|txt] [--data F] [--stacked N] [--function RE] [--children] "
         "[LOG...]\n"
         "                                         heap and RSS over time (newest log by default)\n"
         "  peak [LOG]                             peak heap and peak RSS, and when\n"
         "  list                                   the logs here: index, time, command, peak\n"
         "  clean                                  remove the logs here\n\n"
         "Run 'memprof COMMAND --help' for a command's options. Docs: docs/user-guide.md\n";
}

}  // namespace

namespace {

using namespace memprof::cli;

/// Every subcommand: name -> handler taking (argc, argv) with argv[0] = the command name.
/// Add a command by adding one line here (and its file in this directory).
struct Command {
  const char* name;
  int (*handler)(int, char**);
};
int runEntry(int argc, char** argv) {
  return runCommand(std::vector<std::string>(argv + 1, argv + argc));
}
const Command kCommands[] = {
    {"run", runEntry},
    {"report", reportCommand},
    {"lines", linesCommand},
    {"leaks", leaksCommand},
    {"dump", dumpCommand},
    {"plot", plotCommand},
    {"peak", peakCommand},
    {"list", listCommand},
    {"clean", cleanCommand},
    {"diff", diffCommand},
    {"flamegraph", flamegraphCommand},
    {"__leak-scan", leakScanCommand},
};

}  // namespace

int main(int argc, char** argv) {
  // Reports can be hundreds of MB of JSON: let iostreams buffer instead of forwarding every
  // insertion to stdio (a quarter of `report --format json` time on a cc1plus log).
  std::ios_base::sync_with_stdio(false);
  if (argc < 2) {
    usage(std::cerr);
    return kUsageError;
  }
  const std::string command = argv[1];
  if (command == "-h" || command == "--help" || command == "help") {
    usage(std::cout);
    return 0;
  }
  if (command == "--version") {
    std::cout << "memprof " << MEMPROF_VERSION << '\n';
    return 0;
  }
  for (const Command& c : kCommands) {
    if (command != c.name) continue;
    try {
      return c.handler(argc - 1, argv + 1);
    } catch (const std::exception& e) {
      std::cerr << "memprof: error: " << e.what() << '\n';
      return 1;
    }
  }
  std::cerr << "memprof: unknown command '" << command << "'\n";
  usage(std::cerr);
  return kUsageError;
}
