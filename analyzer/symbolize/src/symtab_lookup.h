// SPDX-License-Identifier: MIT
/// @brief ELF symbol table fallback for code without DWARF (stripped libraries, assembly).
#pragma once

#include <elfutils/libdwfl.h>

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "frame_record.h"

namespace memprof::symbolize::detail {

/// Per-module symbol lookup. libdwfl's dwfl_module_addrinfo scans the whole symbol table on
/// every call, which made a stripped compiler (cc1plus: ~100k symbols, millions of addresses)
/// take most of the analysis time; here each module's function symbols are read once into a
/// sorted array and found by binary search. Demangled names are cached per symbol.
class SymtabLookup {
 public:
  explicit SymtabLookup(StringPool& pool) : m_pool(pool) {}

  /// Demangled name of the symbol containing module address @p address ("" if none).
  const std::string* nameAt(Dwfl_Module* module, Dwarf_Addr address);

 private:
  struct Symbol {
    Dwarf_Addr begin;
    Dwarf_Addr end;  ///< begin + size, or the next symbol's start when the size is 0
    const char* name;
  };
  const std::vector<Symbol>& symbolsOf(Dwfl_Module* module);

  StringPool& m_pool;
  std::unordered_map<Dwfl_Module*, std::vector<Symbol>> m_tables;
  std::unordered_map<const char*, const std::string*> m_names;
};

}  // namespace memprof::symbolize::detail
