// SPDX-License-Identifier: MIT
/// @brief Lexical path helpers: comp-dir joining, normalization and sysroot mapping.
#include "path_util.h"

#include <vector>

namespace memprof::symbolize::detail {

std::string normalizePath(std::string_view path) {
  if (path.empty()) return {};
  const bool absolute = path.front() == '/';
  std::vector<std::string_view> parts;
  std::size_t pos = 0;
  while (pos <= path.size()) {
    std::size_t next = path.find('/', pos);
    if (next == std::string_view::npos) next = path.size();
    const std::string_view part = path.substr(pos, next - pos);
    pos = next + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
        continue;
      }
      if (absolute) continue;  // "/.." is "/"
    }
    parts.push_back(part);
  }
  std::string out;
  out.reserve(path.size());
  if (absolute) out.push_back('/');
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i != 0) out.push_back('/');
    out.append(parts[i]);
  }
  // push_back, not `out = "."`: GCC 12 emits a false -Wrestrict for that assignment (PR105651).
  if (out.empty()) out.push_back('.');
  return out;
}

std::string joinPath(std::string_view dir, std::string_view file) {
  if (file.empty()) return {};
  if (file.front() == '/' || dir.empty()) return normalizePath(file);
  std::string joined(dir);
  joined.push_back('/');
  joined.append(file);
  return normalizePath(joined);
}

std::string sourcePath(std::string_view compDir, std::string_view raw) {
  if (raw.empty() || raw.front() == '/' || compDir.empty() || compDir.front() == '/') {
    return joinPath(compDir, raw);
  }
  const std::string dir = normalizePath(compDir);
  const std::string file = normalizePath(raw);
  if (dir != "." && file.size() > dir.size() && file.compare(0, dir.size(), dir) == 0 &&
      file[dir.size()] == '/') {
    return file;
  }
  return joinPath(compDir, raw);
}

std::string_view dirName(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return {};
  if (slash == 0) return path.substr(0, 1);
  return path.substr(0, slash);
}

std::string applySysroot(std::string_view sysroot, std::string_view path) {
  while (sysroot.size() > 1 && sysroot.back() == '/') sysroot.remove_suffix(1);
  if (sysroot.empty() || sysroot == "/" || path.empty() || path.front() != '/') {
    return std::string(path);
  }
  std::string out(sysroot);
  out.append(path);
  return out;
}

}  // namespace memprof::symbolize::detail
