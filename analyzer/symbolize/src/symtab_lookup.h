// SPDX-License-Identifier: MIT
/// @brief ELF symbol table fallback for code without DWARF (stripped libraries, assembly).
#pragma once

#include <elfutils/libdwfl.h>

#include <string>
#include <unordered_map>

#include "frame_record.h"

namespace memprof::symbolize::detail {

/// Per-module symbol lookup with a demangled-name cache keyed by the symbol's string-table
/// pointer (stable for the session's lifetime), since many addresses share one symbol.
class SymtabLookup {
 public:
  explicit SymtabLookup(StringPool& pool) : m_pool(pool) {}

  /// Demangled name of the symbol containing module address @p address ("" if none).
  const std::string* nameAt(Dwfl_Module* module, Dwarf_Addr address);

 private:
  StringPool& m_pool;
  std::unordered_map<const char*, const std::string*> m_names;
};

}  // namespace memprof::symbolize::detail
