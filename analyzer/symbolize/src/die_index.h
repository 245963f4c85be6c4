// SPDX-License-Identifier: MIT
/// @brief Address -> DWARF scope chain (subprogram and inlined instances), with per-CU indexes.
#pragma once

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>

#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace memprof::symbolize::detail {

/// One address range of a concrete (code-carrying) subprogram DIE.
struct FunctionRange {
  Dwarf_Addr low = 0;
  Dwarf_Addr high = 0;  ///< exclusive
  Dwarf_Die die{};
};

/// What we keep per compilation unit once an address has led us there.
struct CuInfo {
  Dwarf_Die treeCu{};  ///< unit holding the DIE tree (the split unit under split DWARF)
  Dwarf_Die lineCu{};  ///< unit whose line table covers the code (the skeleton, if split)
  std::string compDir;
  Dwarf_Files* files = nullptr;  ///< file table for DW_AT_call_file; null if unreadable
  std::size_t fileCount = 0;
  std::vector<FunctionRange> functions;  ///< sorted by low; built once on first use
};

/// Result of a lookup: the DWARF pc and the chain of function-like scopes containing it.
struct ScopeChain {
  const CuInfo* cu = nullptr;
  Dwarf_Addr pc = 0;  ///< in DWARF address space (module address minus DWARF bias)
  /// The containing subprogram first, then each DW_TAG_inlined_subroutine nested in it, so the
  /// innermost (the code actually at pc) is last. Empty when no subprogram covers pc.
  std::vector<Dwarf_Die> functions;
};

/// Lazily built per-module DWARF index. Why not dwarf_getscopes: it rescans the CU from its
/// first DIE on every call, O(CU size) per address, which is too slow for 10^5+ addresses in
/// large translation units. We index each CU's subprograms once and then only walk the (small)
/// subtree of the function that contains the address.
class DieIndex {
 public:
  explicit DieIndex(Dwfl_Module* module) : m_module(module) {}

  /// Fills @p out for module address @p address; false when no CU covers it.
  bool lookup(Dwarf_Addr address, ScopeChain& out);

 private:
  struct CuRange {
    Dwarf_Addr low = 0;
    Dwarf_Addr high = 0;
    Dwarf_Die cu{};
  };

  const Dwarf_Die* findCu(Dwarf_Addr address, Dwarf_Addr& bias);
  void buildCuRanges();
  CuInfo& cuInfo(const Dwarf_Die& cuDie);

  Dwfl_Module* m_module;
  std::unordered_map<const void*, std::unique_ptr<CuInfo>> m_cus;  ///< by CU DIE address
  std::vector<CuRange> m_cuRanges;  ///< fallback when .debug_aranges is absent (clang)
  bool m_cuRangesBuilt = false;
  Dwarf_Addr m_dwarfBias = 0;
};

}  // namespace memprof::symbolize::detail
