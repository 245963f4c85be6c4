// SPDX-License-Identifier: MIT
/// @brief Draws a Figure with gnuplot (through gnuplot-iostream). The only part of memprof that
/// talks to gnuplot; everything it draws was prepared (and downsampled) before.
#pragma once

#include <stdexcept>
#include <string>

#include "memprof/plot/figure.h"
#include "memprof/plot/render_target.h"

namespace memprof::plot {

struct GnuplotError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The gnuplot executable found in PATH, or empty.
std::string findGnuplot();

/// The first interactive terminal this gnuplot offers (qt, wxt, x11), or empty (gnuplot-nox).
std::string interactiveTerminal(const std::string& gnuplot);

/// Renders @p figure to @p target; waits for gnuplot (for a window: until it is closed).
/// Throws GnuplotError with one line: gnuplot missing (naming the Debian packages), or
/// gnuplot's own first error message.
void renderFigure(const Figure& figure, const RenderTarget& target);

}  // namespace memprof::plot
