// SPDX-License-Identifier: MIT
/// @brief Writes the data a picture was drawn from (--data): JSON, or CSV for spreadsheets.
#pragma once

#include <ostream>
#include <string>

#include "memprof/plot/figure.h"

namespace memprof::plot {

/// {"title", "duration_s", "logs", "series": [{"name","kind","pid","t":[..],"bytes":[..]}],
///  "heap_peak": {"t","bytes","site"}, "rss_peak": {...},
///  "stacked": {"labels":[..], "t":[..], "bytes":[[..]..]}, "functions": [{"function","spans"}]}
void writeFigureJson(const Figure& figure, std::ostream& out);

/// One row per point: series,t_s,bytes (stacked rows as "site:LABEL", spans as
/// "function:NAME" with a begin and an end row); peaks as "# heap_peak ..." comment lines.
void writeFigureCsv(const Figure& figure, std::ostream& out);

/// By the file name: ".json" → JSON, anything else → CSV. Throws std::runtime_error naming
/// the file when it cannot be written.
void writeFigureData(const Figure& figure, const std::string& path);

}  // namespace memprof::plot
