// SPDX-License-Identifier: MIT
/// @brief Suppression parsing and LSan-style template matching.
#include "memprof/leaks/suppressions.h"

#include <fstream>
#include <stdexcept>

namespace memprof::leaks {

namespace {

/// Glob match of @p p against @p t from the start; '*' matches any run of characters.
bool globAt(const char* p, const char* t, bool anchoredEnd) {
  const char* star = nullptr;
  const char* resume = nullptr;
  while (*t != '\0') {
    if (*p == '\0' && !anchoredEnd) return true;  // pattern used up: the rest may be anything
    if (*p == '*') {
      star = p++;
      resume = t;
    } else if (*p != '\0' && *p == *t) {
      ++p;
      ++t;
    } else if (star != nullptr) {
      p = star + 1;
      t = ++resume;
    } else {
      return !anchoredEnd && *p == '\0';
    }
  }
  while (*p == '*') ++p;
  return *p == '\0';
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

}  // namespace

bool templateMatch(const std::string& pattern, const std::string& text) {
  if (pattern.empty()) return false;
  std::string p = pattern;
  const bool start = p.front() == '^';
  if (start) p.erase(0, 1);
  const bool end = !p.empty() && p.back() == '$';
  if (end) p.pop_back();
  if (start) return globAt(p.c_str(), text.c_str(), end);
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (globAt(p.c_str(), text.c_str() + i, end)) return true;
  }
  return false;
}

Suppressions Suppressions::builtIn() {
  Suppressions s;
  // libstdc++'s emergency exception-handling pool, allocated once at load time.
  s.add("^(anonymous namespace)::pool::pool");
  s.add("eh_alloc.cc");
  // glibc: stdio buffers, locale and dynamic-loader bookkeeping, allocated once and kept.
  s.add("^_IO_file_doallocate$");
  s.add("^_nl_*");
  s.add("^_dl_*");
  s.add("ld-linux-x86-64.so");
  return s;
}

Suppressions Suppressions::fromFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot read suppression file");
  Suppressions s;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    const auto colon = line.find(':');
    if (colon == std::string::npos) {
      throw std::runtime_error(path + ":" + std::to_string(n) + ": expected 'leak:PATTERN'");
    }
    const std::string type = line.substr(0, colon);
    const std::string pattern = trim(line.substr(colon + 1));
    if (type != "leak") continue;  // other sanitizers' kinds in a shared file: not ours
    if (!pattern.empty()) s.add(pattern);
  }
  return s;
}

void Suppressions::append(const Suppressions& other) {
  m_patterns.insert(m_patterns.end(), other.m_patterns.begin(), other.m_patterns.end());
}

const std::string* Suppressions::match(const model::Leak& leak) const {
  for (const auto& pattern : m_patterns) {
    for (const auto& f : leak.stack) {
      if (templateMatch(pattern, f.function) || templateMatch(pattern, f.file) ||
          templateMatch(pattern, f.module)) {
        return &pattern;
      }
    }
  }
  return nullptr;
}

std::size_t applySuppressions(model::Report& report, const Suppressions& rules) {
  std::size_t removed = 0;
  std::vector<model::Leak> kept;
  for (auto& leak : report.leaks) {
    if (rules.match(leak) != nullptr) {
      ++removed;
    } else {
      kept.push_back(std::move(leak));
    }
  }
  report.leaks = std::move(kept);
  return removed;
}

}  // namespace memprof::leaks
