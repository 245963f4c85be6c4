// SPDX-License-Identifier: MIT
/// @brief Output kinds by file name, and their sizes (shared by the renderer and the data prep).
#include "memprof/plot/render_target.h"

#include <algorithm>
#include <stdexcept>

namespace memprof::plot {

OutputKind outputKindFor(const std::string& path) {
  const auto dot = path.rfind('.');
  std::string ext = dot == std::string::npos ? "" : path.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == "png") return OutputKind::Png;
  if (ext == "svg") return OutputKind::Svg;
  if (ext == "txt") return OutputKind::Text;
  throw std::invalid_argument(path +
                              ": unknown picture format (use a .png, .svg or .txt file name)");
}

std::size_t plotColumns(OutputKind kind) {
  // The plot area is a bit narrower than the picture; one point per column is all a line can show.
  switch (kind) {
    case OutputKind::Text:
      return 110;
    case OutputKind::Png:
    case OutputKind::Svg:
    case OutputKind::Window:
      return 1200;
  }
  return 1200;
}

}  // namespace memprof::plot
