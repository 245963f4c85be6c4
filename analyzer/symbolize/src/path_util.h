// SPDX-License-Identifier: MIT
/// @brief Lexical path helpers: comp-dir joining, normalization and sysroot mapping.
#pragma once

#include <string>
#include <string_view>

namespace memprof::symbolize::detail {

/// Removes "." components, folds "dir/.." pairs and repeated slashes without touching the file
/// system (the sources usually live on another machine). Leading ".." of relative paths stay.
std::string normalizePath(std::string_view path);

/// @p file when it is absolute or @p dir is empty, else "dir/file"; the result is normalized.
std::string joinPath(std::string_view dir, std::string_view file);

/// Directory part of @p path ("" for a bare name, "/" for a file in the root).
std::string_view dirName(std::string_view path);

/// @p path as seen below @p sysroot ("" = the host root). Relative paths are kept relative.
std::string applySysroot(std::string_view sysroot, std::string_view path);

}  // namespace memprof::symbolize::detail
