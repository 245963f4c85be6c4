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

/// The path of a source file named @p raw by libdw's line table (dwarf_linesrc, dwarf_filesrc)
/// of a unit compiled in @p compDir. libdw has already put the file's directory entry in front
/// of the name, and the entry of the unit's own directory (entry 0) is the compilation directory
/// itself (DWARF 5 names it in the table, for DWARF 4 libdw puts DW_AT_comp_dir there). So a
/// relative @p raw that already starts with a relative @p compDir ("./string/strdup.c" in
/// "./string", as distribution packages build) is complete; any other relative @p raw came from
/// an include directory relative to @p compDir and is joined with it. Normalized.
std::string sourcePath(std::string_view compDir, std::string_view raw);

/// Directory part of @p path ("" for a bare name, "/" for a file in the root).
std::string_view dirName(std::string_view path);

/// @p path as seen below @p sysroot ("" = the host root). Relative paths are kept relative.
std::string applySysroot(std::string_view sysroot, std::string_view path);

}  // namespace memprof::symbolize::detail
