// SPDX-License-Identifier: MIT
/// @brief `memprof plot`: heap and RSS over time as a picture, a text plot or a window.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <regex>

#include "commands.h"
#include "memprof/plot/data_export.h"
#include "memprof/plot/gnuplot_renderer.h"
#include "memprof/plot/loaded_log.h"
#include "memprof/plot/log_files.h"
#include "memprof/plot/plot_pipeline.h"
#include "memprof/plot/render_target.h"

namespace memprof::cli {

namespace {

bool haveDisplay() {
  for (const char* var : {"DISPLAY", "WAYLAND_DISPLAY"}) {
    const char* v = std::getenv(var);
    if (v != nullptr && *v != '\0') return true;
  }
  return false;
}

/// "dir/app.123.mprof" → "dir/app.123.png": the picture sits next to its log.
std::string pictureNextTo(const std::string& log) {
  const auto slash = log.rfind('/');
  const auto dot = log.rfind('.');
  const bool hasExt = dot != std::string::npos && (slash == std::string::npos || dot > slash);
  return (hasExt ? log.substr(0, dot) : log) + ".png";
}

}  // namespace

int plotCommand(int argc, char** argv) {
  CLI::App app{"Plot heap and RSS over time (as mprof plot). Without LOG: the newest log here.",
               "memprof plot"};
  std::string output, data, function;
  std::size_t stacked = 0;
  bool children = false;
  std::vector<std::string> logs;
  app.add_option("-o,--output", output,
                 "OUT.png, OUT.svg or OUT.txt (a text plot); default: a window when there is a "
                 "display, else a PNG next to the log");
  app.add_option("--data", data, "also write the data the plot was drawn from (.json, else CSV)");
  app.add_option("--stacked", stacked, "the top N allocation sites as stacked areas");
  app.add_option("--function", function,
                 "brackets when functions matching this regex were on the stack");
  app.add_flag("--children", children, "also the logs of LOG's child processes in its folder");
  app.add_option("LOG", logs, "logs to draw (several: one line each, and their total)");
  CLI11_PARSE(app, argc, argv);

  plot::PlotRequest request;
  request.stackedSites = stacked;
  if (!function.empty()) {
    try {
      request.function = std::regex(function);
      request.functionText = function;
    } catch (const std::regex_error&) {
      std::cerr << "memprof: error: --function: not a valid regular expression: " << function
                << '\n';
      return kUsageError;
    }
  }
  plot::RenderTarget target;
  if (!output.empty()) {
    try {
      target.kind = plot::outputKindFor(output);
    } catch (const std::invalid_argument& e) {
      std::cerr << "memprof: error: " << e.what() << '\n';
      return kUsageError;
    }
    target.path = output;
  }
  // gnuplot first: no point reading a large log to find out it cannot be drawn.
  const std::string gnuplot = plot::findGnuplot();
  if (gnuplot.empty())
    throw plot::GnuplotError(
        "gnuplot not found in PATH: install it (Debian/Ubuntu: apt install gnuplot-nox, or "
        "gnuplot-qt for interactive windows)");

  if (logs.empty()) logs.push_back(plot::newestLog("."));
  if (children) {
    if (logs.size() != 1) {
      std::cerr << "memprof: error: --children takes one LOG (the run's main process)\n";
      return kUsageError;
    }
    logs = plot::childLogs(logs.front());
  }
  request.logs = logs;

  std::string note;
  if (output.empty()) {
    if (haveDisplay()) target.windowTerminal = plot::interactiveTerminal(gnuplot);
    if (!target.windowTerminal.empty()) {
      target.kind = plot::OutputKind::Window;
    } else {
      target.kind = plot::OutputKind::Png;
      target.path = pictureNextTo(logs.front());
      if (haveDisplay())
        note = " (this gnuplot has no window terminal: install gnuplot-qt for one)";
    }
  }
  request.columns = plot::plotColumns(target.kind);

  plot::Figure figure;
  try {
    figure = plot::preparePlot(request, std::cerr);
  } catch (const std::invalid_argument& e) {
    std::cerr << "memprof: error: " << e.what() << '\n';
    return kUsageError;
  }
  if (!data.empty()) plot::writeFigureData(figure, data);
  plot::renderFigure(figure, target);
  if (target.kind != plot::OutputKind::Window)
    std::cerr << "memprof: plot written to " << target.path << note << '\n';
  return 0;
}

}  // namespace memprof::cli
