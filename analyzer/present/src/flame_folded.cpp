// SPDX-License-Identifier: MIT
/// @brief Folded stacks ("root;...;leaf weight"), the input of flamegraph.pl and inferno.
#include <map>
#include <string>

#include "memprof/present/presenters.h"

namespace memprof::present {

namespace {

std::string baseName(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

/// ';' separates frames and a newline ends a record: neither may appear inside a name
/// (demangled C++ names can hold neither, but a hostile binary could).
std::string sanitize(std::string s) {
  for (char& c : s) {
    if (c == ';')
      c = ':';
    else if (c == '\n' || c == '\r')
      c = ' ';
  }
  return s;
}

}  // namespace

std::string frameLabel(const model::Frame& f) {
  if (f.function.empty() && f.file.empty()) {
    return f.module.empty() ? "[unknown]" : "[" + baseName(f.module) + "]";
  }
  std::string name = f.function.empty() ? "??" : f.function;
  // The file's base name keeps boxes readable; speedscope's export carries the full path.
  if (!f.file.empty()) name += " (" + baseName(f.file) + ":" + std::to_string(f.line) + ")";
  return name;
}

void writeFolded(const model::StackProfile& profile, std::ostream& out) {
  std::vector<std::string> labels;
  labels.reserve(profile.frames.size());
  for (const auto& f : profile.frames) labels.push_back(sanitize(frameLabel(f)));
  // Distinct frames can share a label (same line in two modules): merge those stacks too.
  std::map<std::string, std::uint64_t> lines;
  for (const auto& stack : profile.stacks) {
    std::string key;
    for (const std::uint32_t f : stack.frames) {
      if (!key.empty()) key += ';';
      key += labels[f];
    }
    lines[key] += stack.weight;
  }
  for (const auto& [key, weight] : lines) out << key << ' ' << weight << '\n';
}

}  // namespace memprof::present
