// SPDX-License-Identifier: MIT
/// @brief Turns a DWARF scope chain into frame records: names, call sites, line-table locations.
#pragma once

#include <elfutils/libdw.h>

#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "die_index.h"
#include "frame_record.h"

namespace memprof::symbolize::detail {

/// Per-module helper; caches function names per DIE and normalized file names per string, since
/// many distinct addresses share them and demangling/normalizing is the expensive part.
class FrameBuilder {
 public:
  explicit FrameBuilder(StringPool& pool) : m_pool(pool) {}

  /// Frames for @p chain (non-empty functions), innermost first, appended to @p out.
  void build(const ScopeChain& chain, std::vector<FrameRecord>& out);

  /// File/line/column of @p pc from @p cu's line table; leaves @p frame alone if none.
  void lineLocation(const CuInfo& cu, Dwarf_Addr pc, FrameRecord& frame);

 private:
  const std::string* functionName(const Dwarf_Die& die);
  const std::string* fileName(const CuInfo& cu, const char* raw);
  void callSite(const CuInfo& cu, const Dwarf_Die& inlined, FrameRecord& frame);
  std::string computeName(Dwarf_Die die);
  std::string scopePrefix(Dwarf_Die& decl, std::string_view name);

  struct PairHash {
    std::size_t operator()(const std::pair<const void*, const void*>& p) const noexcept {
      return std::hash<const void*>()(p.first) * 31u ^ std::hash<const void*>()(p.second);
    }
  };
  StringPool& m_pool;
  std::unordered_map<const void*, const std::string*> m_names;  ///< by DIE address
  /// by (libdw string, CU): the same string pointer can mean another path in another comp dir
  std::unordered_map<std::pair<const void*, const void*>, const std::string*, PairHash> m_files;
};

}  // namespace memprof::symbolize::detail
