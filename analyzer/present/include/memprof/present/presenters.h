// SPDX-License-Identifier: MIT
/// @brief Renderers of a Report: JSON (the contract's schema), text summary, per-line source
/// tables, leak listings. They format only; they never re-aggregate.
#pragma once

#include <cstddef>
#include <optional>
#include <ostream>
#include <regex>
#include <string>
#include <vector>

#include "memprof/model/report.h"
#include "memprof/model/stack_profile.h"

namespace memprof::present {

/// The contract's JSON report (memprof_format 1) plus extra fields.
void writeJsonReport(const model::Report& report, std::ostream& out);

/// How many leaks (largest first) the text report describes; it counts all of them.
inline constexpr std::size_t kTextReportLeakStacks = 5;

struct TextReportOptions {
  std::size_t top = 15;
  std::string sort = "peak";  ///< self|total|alloc|peak|leaked
};
void writeTextReport(const model::Report& report, const TextReportOptions& options,
                     std::ostream& out);
/// The per-function table of `memprof report` (pstats-like: self and cumulative time, bytes).
void writeFunctionTable(const model::Report& report, const TextReportOptions& options,
                        std::ostream& out);

/// Flame graph input: "root;...;leaf weight" lines (flamegraph.pl, inferno).
void writeFolded(const model::StackProfile& profile, std::ostream& out);
/// speedscope's file format: one "sampled" profile per element, frames shared.
void writeSpeedscope(const std::vector<model::StackProfile>& profiles, std::ostream& out);
/// A frame as flame graphs name it: "function (file:line)", "function", or "[module]" when
/// nothing resolved it.
std::string frameLabel(const model::Frame& frame);

struct LinesOptions {
  std::optional<std::regex> function;
  std::string file;         ///< substring or path suffix of the source file
  bool self = false;        ///< self instead of inclusive (total) figures
  std::size_t context = 2;  ///< lines of context around lines with figures
  bool all = false;         ///< also functions whose source file cannot be read
};
void writeLinesView(const model::Report& report, const LinesOptions& options, std::ostream& out);

void writeLeaksText(const model::Report& report, std::ostream& out, std::size_t maxFrames = 64);
void writeLeaksJson(const model::Report& report, std::ostream& out);
/// JUnit XML: one <testcase> per leak; definite/indirect ones are <failure>s.
void writeLeaksJunit(const model::Report& report, std::ostream& out);
/// SARIF 2.1.0: one result per leak located at its allocating line.
void writeLeaksSarif(const model::Report& report, std::ostream& out);
/// True for the kinds that fail a leak check: definite and indirect.
bool leakFails(const model::Leak& leak);
/// The innermost frame with a source file (the allocating line), or nullptr.
const model::Frame* allocationSite(const model::Leak& leak);
/// "definite leak: 100 bytes in 1 block at /src/a.c:12 (main)".
std::string leakTitle(const model::Leak& leak);

/// "1.5 MiB"-style size for humans.
std::string humanBytes(std::uint64_t bytes);
/// Parses "512K", "64M", "1.5G", "100" (powers of 1024); throws std::invalid_argument.
std::uint64_t parseSize(const std::string& text);

}  // namespace memprof::present
