// SPDX-License-Identifier: MIT
/// @brief A log read once for plotting: the Report, and the replay kept for second passes
/// (site selection, per-site series, function spans need its stack nodes and modules).
#pragma once

#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>

#include "memprof/aggregate/heap_replay.h"
#include "memprof/model/report.h"
#include "memprof/reader/log_reader.h"
#include "memprof/symbolize/symbolizer.h"

namespace memprof::plot {

struct LogLoadError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct LoadedLog {
  model::Report report;
  std::unique_ptr<aggregate::HeapReplay> replay;
};

/// Reads and analyses @p path; warnings (a log cut short) go to @p warnings, one line each.
/// Throws LogLoadError "PATH: reason" for anything that is not a readable log.
LoadedLog loadLog(const std::string& path, symbolize::Symbolizer& symbolizer,
                  std::ostream& warnings);

/// Reads @p path again into @p sink (a second pass); errors as loadLog, no warnings.
void rereadLog(const std::string& path, reader::EventSink& sink);

}  // namespace memprof::plot
