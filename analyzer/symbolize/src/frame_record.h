// SPDX-License-Identifier: MIT
/// @brief Compact cached form of a SourceFrame, with strings interned once per Symbolizer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>

namespace memprof::symbolize::detail {

/// Owns every distinct function and file name. Results then hold pointers instead of copies:
/// a large C++ program repeats the same long template names across thousands of addresses
/// (and across CUs, which each carry their own DIE for an inlined header function).
class StringPool {
 public:
  /// Stable pointer to the pooled copy of @p text (the shared empty string for "").
  const std::string* intern(std::string_view text) {
    if (text.empty()) return &m_empty;
    return &*m_strings.emplace(text).first;  // set elements never move
  }
  [[nodiscard]] const std::string* empty() const { return &m_empty; }

 private:
  std::unordered_set<std::string> m_strings;
  const std::string m_empty;
};

/// A SourceFrame whose strings live in a StringPool; 24 bytes instead of ~80 plus heap.
struct FrameRecord {
  const std::string* function = nullptr;  ///< never null once built
  const std::string* file = nullptr;      ///< never null once built
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  bool inlined = false;
};

}  // namespace memprof::symbolize::detail
