// SPDX-License-Identifier: MIT
/// @brief Size formatting and parsing shared by the presenters and the CLI.
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "memprof/present/presenters.h"

namespace memprof::present {

std::string humanBytes(std::uint64_t bytes) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int unit = 0;
  while (v >= 1024.0 && unit < 4) {
    v /= 1024.0;
    ++unit;
  }
  char buf[32];
  if (unit == 0)
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  else
    std::snprintf(buf, sizeof buf, "%.1f %s", v, kUnits[unit]);
  return buf;
}

std::uint64_t parseSize(const std::string& text) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    throw std::invalid_argument("not a size: '" + text + "' (use e.g. 512K, 64M, 1.5G)");
  }
  std::string suffix = text.substr(used);
  if (!suffix.empty() && (suffix.back() == 'B' || suffix.back() == 'b') && suffix.size() > 1)
    suffix.pop_back();
  if (suffix == "iB" || suffix == "i") suffix.clear();
  double scale = 1;
  if (suffix.empty() || suffix == "B" || suffix == "b")
    scale = 1;
  else if (suffix == "K" || suffix == "k" || suffix == "Ki")
    scale = 1024.0;
  else if (suffix == "M" || suffix == "m" || suffix == "Mi")
    scale = 1024.0 * 1024;
  else if (suffix == "G" || suffix == "g" || suffix == "Gi")
    scale = 1024.0 * 1024 * 1024;
  else if (suffix == "T" || suffix == "t" || suffix == "Ti")
    scale = 1024.0 * 1024 * 1024 * 1024;
  else
    throw std::invalid_argument("not a size: '" + text + "' (use e.g. 512K, 64M, 1.5G)");
  if (value < 0 || !std::isfinite(value) || value * scale >= 18446744073709551615.0) {
    throw std::invalid_argument("not a size: '" + text + "' (negative or too large)");
  }
  return static_cast<std::uint64_t>(std::llround(value * scale));
}

}  // namespace memprof::present
