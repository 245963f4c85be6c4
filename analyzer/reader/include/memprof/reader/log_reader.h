// SPDX-License-Identifier: MIT
/// @brief Streams a memprof log into an EventSink, validating everything it reads.
///
/// Memory stays bounded by the largest block plus the sequence-reordering window, not by the
/// number of events. Foreign, corrupt or unreadable input raises LogError (one clear line);
/// a log that simply ends early (the program was killed) is read up to its end and reported
/// as truncated.
/// Thread-safety: one reader per thread.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "memprof/reader/events.h"

namespace memprof::reader {

class LogError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ReadSummary {
  bool truncated = false;      ///< no Trailer, or the last block was cut
  std::string truncationNote;  ///< why, for the warning line
  std::uint64_t blocks = 0;
  std::uint64_t heapEvents = 0;
  std::uint64_t records = 0;
  std::uint64_t fileBytes = 0;
  std::vector<std::string> warnings;
};

/// Reads @p path completely into @p sink. Throws LogError for missing/empty/foreign/corrupt.
ReadSummary readLog(const std::string& path, EventSink& sink);

/// True if @p path starts with the memprof magic (cheap check for `memprof list`).
bool looksLikeLog(const std::string& path);

}  // namespace memprof::reader
