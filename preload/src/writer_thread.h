// SPDX-License-Identifier: MIT
/// @brief The background thread that moves ring contents into the log every 10 ms and records
/// the resident set size. It runs with every signal blocked and its guard permanently set.
/// Thread-safety: start once per process image (again in a forked child).
#pragma once

#include <atomic>

namespace memprof::preload {

/// Starts the writer; false if the thread could not be created (rings then drain themselves).
bool startWriterThread() noexcept;

/// Writes an Rss record for this moment (used at exit, so short runs have one too).
void recordRssNow() noexcept;

/// Set when the process begins to end; the writer then stops sampling RSS.
extern std::atomic<bool> g_processEnding;

/// CPU time used by the writer thread (subtracted when measuring the sampling rate).
double writerCpuSeconds() noexcept;

}  // namespace memprof::preload
