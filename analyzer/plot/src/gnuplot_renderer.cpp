// SPDX-License-Identifier: MIT
/// @brief The gnuplot script of a Figure, and its data sent through gnuplot-iostream.
/// The only file of memprof that includes gnuplot-iostream.
#include "memprof/plot/gnuplot_renderer.h"

#include <gnuplot-iostream.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <iomanip>
#include <sstream>
#include <utility>
#include <vector>

#include "gnuplot_process.h"
#include "memprof/present/presenters.h"

namespace memprof::plot {

namespace {

constexpr double kMiB = 1024.0 * 1024.0;
const char* const kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b",
                                "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#d62728"};
constexpr std::size_t kPaletteSize = sizeof kPalette / sizeof kPalette[0];

/// A gnuplot double-quoted string (backslash escapes; "\n" breaks label lines).
std::string gpString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string terminalLine(const RenderTarget& t) {
  switch (t.kind) {
    case OutputKind::Png:
      return "set terminal pngcairo size 1280,720 noenhanced font 'Sans,10'";
    case OutputKind::Svg:
      return "set terminal svg size 1280,720 noenhanced font 'Sans,10' background rgb 'white'";
    case OutputKind::Text:
      return "set terminal dumb size 120,40 noenhanced";
    case OutputKind::Window:
      return "set terminal " + t.windowTerminal + " size 1280,720 noenhanced";
  }
  return {};
}

/// The largest value drawn, in MiB, to size the y axis.
double dataTop(const Figure& f) {
  double top = 0;
  for (const Series& s : f.lines) {
    for (const auto& p : s.points) top = std::max(top, static_cast<double>(p.bytes) / kMiB);
  }
  if (f.stacked) {
    for (std::size_t i = 0; i < f.stacked->t.size(); ++i) {
      double sum = 0;
      for (const auto& row : f.stacked->bytes) sum += static_cast<double>(row[i]) / kMiB;
      top = std::max(top, sum);
    }
  }
  return top > 0 ? top : 1.0;
}

void peakLabel(std::ostream& gp, int tag, const PeakMark& m, const std::string& text,
               double durationS, const char* colour) {
  const bool right = durationS > 0 && m.t > 0.6 * durationS;  // keep the text inside the plot
  gp << "set label " << tag << ' ' << gpString(text) << " at " << m.t << ',' << m.bytes / kMiB
     << " point pointtype 7 pointsize 1.3 lc rgb '" << colour << "' "
     << (right ? "right offset -1.2,0.6" : "left offset 1.2,0.6") << " front\n";
}

struct Element {
  std::string spec;  ///< "'-' using ... with ... title ..."
  std::vector<std::pair<double, double>> data;
};

/// Stacked areas: cumulative sums drawn from the top down, each filling over the previous.
/// A text plot cannot fill areas: there the same cumulative sums are drawn as step lines.
void stackedElements(const StackedSites& s, bool filled, std::vector<Element>& out) {
  std::vector<std::vector<double>> cumulative(s.bytes.size(), std::vector<double>(s.t.size(), 0));
  for (std::size_t i = 0; i < s.t.size(); ++i) {
    double sum = 0;
    for (std::size_t r = 0; r < s.bytes.size(); ++r) {
      sum += static_cast<double>(s.bytes[r][i]) / kMiB;
      cumulative[r][i] = sum;
    }
  }
  for (std::size_t r = s.bytes.size(); r-- > 0;) {
    const bool other = r + 1 == s.bytes.size();
    const std::string colour = other ? "#c7c7c7" : kPalette[r % kPaletteSize];
    const std::string style = filled ? "with fillsteps fs solid 0.55 noborder" : "with steps";
    Element e{"'-' using 1:2 " + style + " lc rgb '" + colour + "' title " + gpString(s.labels[r]),
              {}};
    for (std::size_t i = 0; i < s.t.size(); ++i) e.data.emplace_back(s.t[i], cumulative[r][i]);
    out.push_back(std::move(e));
  }
}

void lineElements(const Figure& f, std::vector<Element>& out) {
  std::size_t processIndex = 0;
  for (const Series& s : f.lines) {
    if (s.points.empty()) continue;
    std::string style;
    switch (s.kind) {
      case SeriesKind::Heap:
        style = f.lines.size() > 2 ? std::string("with steps lw 1.5 lc rgb '") +
                                         kPalette[processIndex++ % kPaletteSize] + "'"
                                   : "with steps lw 2 lc rgb '#1f77b4'";
        break;
      // RSS is sampled: each sample holds until the next one (a sloped line would invent values).
      case SeriesKind::Rss:
        style = "with steps lw 1.5 dt 2 lc rgb '#d62728'";
        break;
      case SeriesKind::TotalHeap:
        style = "with steps lw 2.5 lc rgb 'black'";
        break;
      case SeriesKind::TotalRss:
        style = "with steps lw 1.5 dt 2 lc rgb '#d62728'";
        break;
    }
    std::string title = s.name;
    const bool rssLine =
        s.kind == SeriesKind::TotalRss || (s.kind == SeriesKind::Rss && f.lines.size() <= 2);
    if (rssLine && f.rssPeak) title += " (peak " + present::humanBytes(f.rssPeak->bytes) + ")";
    Element e{"'-' using 1:2 " + style + " title " + gpString(title), {}};
    for (const auto& p : s.points) e.data.emplace_back(p.t, static_cast<double>(p.bytes) / kMiB);
    out.push_back(std::move(e));
  }
}

/// mprof-style brackets: a bar with end ticks per span, one row per function, above the data.
void functionBrackets(std::ostream& gp, const Figure& f, double top) {
  for (std::size_t row = 0; row < f.functions.size(); ++row) {
    const auto& fn = f.functions[row];
    if (fn.spans.empty()) continue;
    const double y = top * (1.10 + 0.07 * static_cast<double>(row));
    const char* colour = kPalette[(row + 3) % kPaletteSize];
    // An allocation is an instant: widen short spans so that every bracket can be seen.
    const double minWidth = f.durationS * 0.006;
    for (auto [b, e] : fn.spans) {
      if (e - b < minWidth) {
        const double mid = (b + e) / 2;
        b = std::max(0.0, mid - minWidth / 2);
        e = b + minWidth;
      }
      gp << "set arrow from " << b << ',' << y << " to " << e << ',' << y
         << " heads size screen 0.006,90 lw 2 lc rgb '" << colour << "' front\n";
    }
    std::string name = fn.function.size() > 60 ? fn.function.substr(0, 57) + "..." : fn.function;
    gp << "set label " << gpString(name) << " at " << fn.spans.front().first << ',' << y
       << " left offset 0,0.7 tc rgb '" << colour << "' front\n";
  }
}

std::string script(const Figure& f, const RenderTarget& target, std::vector<Element>& elements) {
  std::ostringstream gp;
  gp << std::setprecision(10);
  gp << "set encoding utf8\n" << terminalLine(target) << '\n';
  if (!target.path.empty()) gp << "set output " << gpString(target.path) << '\n';
  gp << "set title " << gpString(f.title) << '\n'
     << "set xlabel 'time (s)'\nset ylabel 'memory (MiB)'\nset grid\n"
     << "set key outside bottom center horizontal width 2 samplen 3\nset bmargin at screen 0.16\n"
     << "set xrange [0:" << std::max(f.durationS, 1e-3) * 1.01 << "]\n";
  const double top = dataTop(f);
  const double rows = static_cast<double>(f.functions.size());
  gp << "set yrange [0:" << top * (1.25 + 0.07 * rows) << "]\n";
  if (f.heapPeak) peakLabel(gp, 1, *f.heapPeak, f.heapPeak->label, f.durationS, "#1f77b4");
  // The RSS peak is a point only; its size is in the legend (two labels would collide).
  if (f.rssPeak) peakLabel(gp, 2, *f.rssPeak, "", f.durationS, "#d62728");
  functionBrackets(gp, f, top);
  if (f.stacked) stackedElements(*f.stacked, target.kind != OutputKind::Text, elements);
  lineElements(f, elements);
  if (elements.empty())
    elements.push_back({"'-' using 1:2 with lines notitle", {{0.0, 0.0}}});  // "plot" needs one
  gp << "plot ";
  for (std::size_t i = 0; i < elements.size(); ++i) gp << (i ? ", " : "") << elements[i].spec;
  gp << '\n';
  return gp.str();
}

}  // namespace

std::string findGnuplot() {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr && *path != '\0' ? path : "/usr/bin:/bin";
  std::size_t pos = 0;
  while (pos <= dirs.size()) {
    const std::size_t end = std::min(dirs.find(':', pos), dirs.size());
    std::string dir = dirs.substr(pos, end - pos);
    pos = end + 1;
    if (dir.empty()) continue;  // never the current directory
    const std::string candidate = dir + "/gnuplot";
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

std::string interactiveTerminal(const std::string& gnuplot) {
  for (const char* term : {"qt", "wxt", "x11"}) {
    if (gnuplotAccepts(gnuplot, std::string("set terminal ") + term)) return term;
  }
  return {};
}

void renderFigure(const Figure& figure, const RenderTarget& target) {
  const std::string exe = findGnuplot();
  if (exe.empty()) {
    throw GnuplotError(
        "gnuplot not found in PATH: install it (Debian/Ubuntu: apt install gnuplot-nox, "
        "or gnuplot-qt for interactive windows)");
  }
  std::vector<Element> elements;
  const std::string commands = script(figure, target, elements);
  // gnuplot may die (bad terminal); its error is reported from its stderr, not by SIGPIPE.
  struct sigaction ignore {
  }, previous{};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ignore, &previous);
  try {
    GnuplotProcess process(exe);
    {
      Gnuplot gp(process.takeInput());  // closes the pipe when it goes out of scope
      gp << std::defaultfloat << std::setprecision(10) << commands;
      for (const Element& e : elements) gp.send1d(e.data);
      if (target.kind == OutputKind::Window)
        gp << "pause mouse close\n";
      else
        gp << "unset output\n";  // flushes and closes the file before gnuplot exits
      gp << "exit\n";
    }
    process.finish();
  } catch (...) {
    sigaction(SIGPIPE, &previous, nullptr);
    throw;
  }
  sigaction(SIGPIPE, &previous, nullptr);
}

}  // namespace memprof::plot
