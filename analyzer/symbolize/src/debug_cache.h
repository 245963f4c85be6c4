// SPDX-License-Identifier: MIT
/// @brief Decompressed copies of debug files whose DWARF sections are compressed, kept on disk.
///
/// Why: Debian's libc6-dbg ships libc's debug file with zlib-compressed sections
/// (SHF_COMPRESSED), and libdw inflates every one of them each time it opens the file: about
/// 40 ms per analysis, most of a small log's report and a tenth of a large one's. Nearly every
/// program's stacks pass through libc, so every `memprof report`, `lines` and `leaks` paid it.
/// The first analysis that needs such a file writes a decompressed copy, named by its build-id,
/// to the cache directory; later ones open the copy, whose sections libdw maps as they are (as
/// debuginfod's client keeps a cache of what it fetched).
///
/// The copy is made in a temporary file and renamed into place, so analyses running at the same
/// time never see half a file; a copy is used only if its build-id matches and it has no
/// compressed sections left. Any failure (no cache directory, a full disk, a file libelf cannot
/// rewrite) leaves the original file in use: the cache only ever saves time.
#pragma once

#include <string>

namespace memprof::symbolize::detail {

/// The cache directory, "" when the cache is off: `MEMPROF_DEBUG_CACHE` (a directory, or "off"
/// or "0"), else `$XDG_CACHE_HOME/memprof/debug`, else `$HOME/.cache/memprof/debug`.
std::string debugCacheDir();

/// If the ELF file open as @p fd (found at @p path) has compressed sections and a build-id,
/// returns a descriptor of its decompressed copy in @p cacheDir, made now if missing, closes
/// @p fd and sets @p path to the copy's. Otherwise (or on any failure) returns @p fd unchanged.
int preferDecompressedCopy(int fd, std::string& path, const std::string& cacheDir);

/// The same by path: the decompressed copy's path, or @p path itself.
std::string preferDecompressedPath(const std::string& path, const std::string& cacheDir);

}  // namespace memprof::symbolize::detail
