// SPDX-License-Identifier: MIT
/// @brief Where a picture goes: PNG, SVG, a text plot, or an interactive window; and its size.
#pragma once

#include <cstddef>
#include <string>

namespace memprof::plot {

enum class OutputKind { Png, Svg, Text, Window };

struct RenderTarget {
  OutputKind kind = OutputKind::Png;
  std::string path;            ///< the file (empty for a window)
  std::string windowTerminal;  ///< gnuplot terminal for a window: qt, wxt or x11
};

/// The kind for an output file name by its extension (.png, .svg, .txt); throws
/// std::invalid_argument naming the file for anything else.
OutputKind outputKindFor(const std::string& path);

/// Columns of the time axis (pixels, or characters for text): how many the data is reduced to.
std::size_t plotColumns(OutputKind kind);

}  // namespace memprof::plot
