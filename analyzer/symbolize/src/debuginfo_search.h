// SPDX-License-Identifier: MIT
/// @brief Where separate debug information is looked for, and the libdwfl callbacks that do it.
#pragma once

#include <elfutils/libdwfl.h>

#include <string>
#include <string_view>
#include <vector>

#include "memprof/symbolize/symbolizer.h"

namespace memprof::symbolize::detail {

/// Search configuration shared by every Dwfl session of one Symbolizer. libdwfl keeps pointers
/// to `callbacks` and to the path string, so an instance must not move while sessions exist.
struct DebugSearchConfig {
  explicit DebugSearchConfig(const SymbolizerOptions& options);
  DebugSearchConfig(const DebugSearchConfig&) = delete;
  DebugSearchConfig& operator=(const DebugSearchConfig&) = delete;

  std::string sysroot;                 ///< without trailing '/'; empty for the host root
  std::vector<std::string> debugDirs;  ///< absolute roots (.build-id/ and mirrored trees)
  std::string debuginfoPath;           ///< libdwfl syntax: "+:.debug:<dirs...>"
  char* debuginfoPathPtr = nullptr;    ///< what Dwfl_Callbacks::debuginfo_path points at
  std::string decompressedCache;       ///< debug_cache.h's directory; "" = off
  Dwfl_Callbacks callbacks{};
};

/// Lowercase hex of raw build-id bytes.
std::string hexBuildId(std::string_view raw);

/// Raw GNU build-id bytes of the ELF file at @p path ("" when unreadable or absent).
std::string readBuildId(const std::string& path);

/// A file under a debug root's .build-id/ tree whose build-id is @p raw ("" if none). Lets us
/// symbolize modules whose binary is gone or was rebuilt, as long as their debug file exists.
std::string findByBuildId(const DebugSearchConfig& config, std::string_view raw);

/// Dwfl_Callbacks::find_debuginfo. Deliberately not dwfl_standard_find_debuginfo: since
/// elfutils 0.178 that one falls through to debuginfod (network) when DEBUGINFOD_URLS is set,
/// and an offline analyzer must never do that. Looks up by build-id, then by .gnu_debuglink.
/// Expects the module's userdata to point at the DebugSearchConfig.
int findDebuginfo(Dwfl_Module* mod, void** userdata, const char* modname, Dwarf_Addr base,
                  const char* fileName, const char* debuglink, GElf_Word crc,
                  char** debuginfoFileName);

/// Dwfl_Callbacks::find_elf. We always hand libdwfl an opened file (dwfl_report_elf), so this is
/// only reached for modules reported by name; dwfl_build_id_find_elf would also try debuginfod.
int findElfNever(Dwfl_Module* mod, void** userdata, const char* modname, Dwarf_Addr base,
                 char** fileName, Elf** elfp);

}  // namespace memprof::symbolize::detail
