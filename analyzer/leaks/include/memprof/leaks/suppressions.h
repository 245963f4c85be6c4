// SPDX-License-Identifier: MIT
/// @brief LeakSanitizer-compatible leak suppressions ("leak:PATTERN" lines).
///
/// A pattern matches a frame when it matches the frame's function, source file or module name.
/// As in LSan, '*' is a wildcard and the match may start or end anywhere unless anchored with
/// '^' (start) or '$' (end). A leak is suppressed when any frame of its stack matches any rule.
#pragma once

#include <string>
#include <vector>

#include "memprof/model/report.h"

namespace memprof::leaks {

class Suppressions {
 public:
  /// Rules built into memprof: one-time allocations of the C/C++ runtimes and the loader.
  static Suppressions builtIn();
  /// Parses a suppression file; throws std::runtime_error naming the file and line on errors.
  static Suppressions fromFile(const std::string& path);
  void add(const std::string& pattern) { m_patterns.push_back(pattern); }
  void append(const Suppressions& other);

  /// The rule that suppresses @p leak, or nullptr.
  [[nodiscard]] const std::string* match(const model::Leak& leak) const;
  [[nodiscard]] std::size_t size() const { return m_patterns.size(); }

 private:
  std::vector<std::string> m_patterns;
};

/// LSan template matching: '*' wildcard, optional '^'/'$' anchors, otherwise substring.
bool templateMatch(const std::string& pattern, const std::string& text);

/// Removes suppressed leaks from @p report (recomputing nothing else); returns how many.
std::size_t applySuppressions(model::Report& report, const Suppressions& rules);

}  // namespace memprof::leaks
