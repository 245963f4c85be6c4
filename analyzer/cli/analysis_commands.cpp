// SPDX-License-Identifier: MIT
/// @brief `memprof report`, `memprof lines`, `memprof leaks`.
#include <CLI/CLI.hpp>
#include <iostream>

#include "commands.h"
#include "memprof/leaks/suppressions.h"
#include "memprof/present/presenters.h"

namespace memprof::cli {

int reportCommand(int argc, char** argv) {
  CLI::App app{"Analyse a memprof log: totals, hottest lines, leaks", "memprof report"};
  std::string format = "text";
  std::string log;
  present::TextReportOptions options;
  app.add_option("--format", format, "text or json")->check(CLI::IsMember({"text", "json"}));
  app.add_option("--sort", options.sort, "order of the line table")
      ->check(CLI::IsMember({"self", "total", "alloc", "peak", "leaked"}));
  app.add_option("--top", options.top, "number of lines shown");
  app.add_option("LOG", log, "the log to analyse")->required();
  CLI11_PARSE(app, argc, argv);
  // The text report shows only the largest leaks' stacks: the others need no frames.
  const model::Report report =
      analyseLog(log, format == "json" ? SIZE_MAX : present::kTextReportLeakStacks);
  if (format == "json")
    present::writeJsonReport(report, std::cout);
  else
    present::writeTextReport(report, options, std::cout);
  return 0;
}

int linesCommand(int argc, char** argv) {
  CLI::App app{"Per-line memory (and time) tables for each function, with source", "memprof lines"};
  std::string function;
  std::string log;
  present::LinesOptions options;
  app.add_option("--function", function, "only functions matching this regular expression");
  app.add_option("--file", options.file, "only this source file (path or suffix)");
  app.add_flag("--self", options.self, "self figures instead of inclusive ones");
  app.add_flag("--all", options.all, "also functions whose source file cannot be read");
  app.add_option("--context", options.context, "lines of context around lines with figures");
  app.add_option("LOG", log, "the log to analyse")->required();
  CLI11_PARSE(app, argc, argv);
  if (!function.empty()) {
    try {
      options.function = std::regex(function);
    } catch (const std::regex_error& e) {
      std::cerr << "memprof: error: --function: not a valid regular expression: " << function
                << '\n';
      return kUsageError;
    }
  }
  const model::Report report = analyseLog(log);
  present::writeLinesView(report, options, std::cout);
  return 0;
}

int leaksCommand(int argc, char** argv) {
  CLI::App app{"List the blocks still allocated when the process ended, by stack", "memprof leaks"};
  std::string format = "text";
  std::string log;
  std::string suppressions;
  bool noDefaults = false;
  app.add_option("--format", format, "text, json, junit (CI test reports) or sarif (code scanning)")
      ->check(CLI::IsMember({"text", "json", "junit", "sarif"}));
  app.add_option("--suppressions", suppressions,
                 "LeakSanitizer-style suppression file (leak:PATTERN)");
  app.add_flag("--no-default-suppressions", noDefaults,
               "do not apply memprof's built-in rules for C/C++ runtime allocations");
  app.add_option("LOG", log, "the log to analyse")->required();
  CLI11_PARSE(app, argc, argv);
  leaks::Suppressions rules = noDefaults ? leaks::Suppressions{} : leaks::Suppressions::builtIn();
  if (!suppressions.empty()) rules.append(leaks::Suppressions::fromFile(suppressions));
  model::Report report = analyseLog(log);
  leaks::applySuppressions(report, rules);
  if (format == "json")
    present::writeLeaksJson(report, std::cout);
  else if (format == "junit")
    present::writeLeaksJunit(report, std::cout);
  else if (format == "sarif")
    present::writeLeaksSarif(report, std::cout);
  else
    present::writeLeaksText(report, std::cout);
  return 0;
}

}  // namespace memprof::cli
