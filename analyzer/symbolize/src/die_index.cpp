// SPDX-License-Identifier: MIT
/// @brief Address -> DWARF scope chain (subprogram and inlined instances), with per-CU indexes.
#include "die_index.h"

#include <dwarf.h>

#include <algorithm>
#include <limits>

namespace memprof::symbolize::detail {

namespace {

/// Deepest nesting we follow; real code stays far below, corrupt DWARF could loop forever.
constexpr int kMaxDepth = 256;

/// Linkers mark ranges of discarded (gc'ed, ICF-folded) functions with 0 or -1/-2 "tombstones";
/// real code never sits at address 0 of an ELF file (the ELF header is mapped there).
bool isTombstone(Dwarf_Addr low, Dwarf_Addr high) {
  return low == 0 || low >= std::numeric_limits<Dwarf_Addr>::max() - 1 || high <= low;
}

void addRanges(Dwarf_Die& die, std::vector<FunctionRange>& out) {
  Dwarf_Addr base = 0;
  Dwarf_Addr low = 0;
  Dwarf_Addr high = 0;
  for (ptrdiff_t offset = 0; (offset = dwarf_ranges(&die, offset, &base, &low, &high)) > 0;) {
    if (!isTombstone(low, high)) out.push_back({low, high, die});
  }
}

/// Collects code-carrying subprograms below @p parent. Most definitions sit at CU level or in
/// namespaces, but GCC nests e.g. a lambda's static invoker (_FUN) in the closure type, which
/// is declared inside the enclosing function, so functions and local classes are searched too.
/// Their code ranges are disjoint from the enclosing function's, keeping the index flat.
void collectFunctions(Dwarf_Die& parent, std::vector<FunctionRange>& out, int depth) {
  Dwarf_Die child;
  if (depth > kMaxDepth || dwarf_child(&parent, &child) != 0) return;
  do {
    switch (dwarf_tag(&child)) {
      case DW_TAG_subprogram:
        addRanges(child, out);
        [[fallthrough]];
      case DW_TAG_namespace:
      case DW_TAG_module:
      case DW_TAG_class_type:
      case DW_TAG_structure_type:
      case DW_TAG_union_type:
      case DW_TAG_lexical_block:
        if (dwarf_haschildren(&child) > 0) collectFunctions(child, out, depth + 1);
        break;
      default:
        break;
    }
  } while (dwarf_siblingof(&child, &child) == 0);
}

/// Tags whose pc ranges nest code of the enclosing function.
bool isCodeScope(int tag) {
  switch (tag) {
    case DW_TAG_lexical_block:
    case DW_TAG_inlined_subroutine:
    case DW_TAG_subprogram:
    case DW_TAG_try_block:
    case DW_TAG_catch_block:
    case DW_TAG_with_stmt:
      return true;
    default:
      return false;
  }
}

/// From the subprogram containing @p pc down to the innermost inlined instance containing it.
void walkScopes(const Dwarf_Die& function, Dwarf_Addr pc, std::vector<Dwarf_Die>& chain) {
  chain.assign(1, function);
  Dwarf_Die current = function;
  for (int depth = 0; depth < kMaxDepth; ++depth) {
    Dwarf_Die child;
    if (dwarf_child(&current, &child) != 0) return;
    bool descended = false;
    do {
      const int tag = dwarf_tag(&child);
      if (!isCodeScope(tag) || dwarf_haspc(&child, pc) <= 0) continue;
      if (tag == DW_TAG_subprogram) {
        // A nested function (GNU C) is a function of its own, not inlined into its parent.
        chain.assign(1, child);
      } else if (tag == DW_TAG_inlined_subroutine) {
        chain.push_back(child);
      }
      current = child;
      descended = true;
      break;
    } while (dwarf_siblingof(&child, &child) == 0);
    if (!descended) return;
  }
}

}  // namespace

const Dwarf_Die* DieIndex::findCu(Dwarf_Addr address, Dwarf_Addr& bias) {
  // Fast path: libdwfl's binary search over .debug_aranges.
  if (const Dwarf_Die* cu = dwfl_module_addrdie(m_module, address, &bias)) return cu;
  // Clang does not emit .debug_aranges by default and libdw 0.188 then finds nothing, so fall
  // back to the CUs' own DW_AT_low_pc/high_pc/ranges, collected once per module.
  if (!m_cuRangesBuilt) buildCuRanges();
  bias = m_dwarfBias;
  const Dwarf_Addr pc = address - m_dwarfBias;
  auto it = std::upper_bound(m_cuRanges.begin(), m_cuRanges.end(), pc,
                             [](Dwarf_Addr value, const CuRange& r) { return value < r.low; });
  // CU ranges are disjoint in sane DWARF; look back a little in case of overlaps anyway.
  for (int tries = 0; it != m_cuRanges.begin() && tries < 8; ++tries) {
    --it;
    if (pc < it->high) return &it->cu;
  }
  return nullptr;
}

void DieIndex::buildCuRanges() {
  m_cuRangesBuilt = true;
  if (dwfl_module_getdwarf(m_module, &m_dwarfBias) == nullptr) return;
  Dwarf_Addr bias = 0;
  for (Dwarf_Die* cu = dwfl_module_nextcu(m_module, nullptr, &bias); cu != nullptr;
       cu = dwfl_module_nextcu(m_module, cu, &bias)) {
    Dwarf_Addr base = 0;
    Dwarf_Addr low = 0;
    Dwarf_Addr high = 0;
    for (ptrdiff_t off = 0; (off = dwarf_ranges(cu, off, &base, &low, &high)) > 0;) {
      if (!isTombstone(low, high)) m_cuRanges.push_back({low, high, *cu});
    }
  }
  std::sort(m_cuRanges.begin(), m_cuRanges.end(),
            [](const CuRange& a, const CuRange& b) { return a.low < b.low; });
}

CuInfo& DieIndex::cuInfo(const Dwarf_Die& cuDie) {
  auto [it, inserted] = m_cus.try_emplace(cuDie.addr);
  if (!inserted) return *it->second;
  it->second = std::make_unique<CuInfo>();
  CuInfo& info = *it->second;
  info.lineCu = cuDie;
  info.treeCu = cuDie;
  // Split DWARF: the skeleton in the executable has the line table and address ranges, the
  // .dwo/.dwp unit has the DIE tree. libdw locates the latter (next to comp_dir, or a .dwp).
  Dwarf_Half version = 0;
  std::uint8_t unitType = 0;
  Dwarf_Die subDie{};
  const int rc =
      dwarf_cu_info(cuDie.cu, &version, &unitType, nullptr, &subDie, nullptr, nullptr, nullptr);
  if (rc == 0 && unitType == DW_UT_skeleton && subDie.addr != nullptr) info.treeCu = subDie;
  Dwarf_Attribute attr;
  if (const char* dir = dwarf_formstring(dwarf_attr(&info.lineCu, DW_AT_comp_dir, &attr))) {
    info.compDir = dir;
  }
  if (dwarf_getsrcfiles(&info.treeCu, &info.files, &info.fileCount) != 0) {
    info.files = nullptr;
    info.fileCount = 0;
  }
  collectFunctions(info.treeCu, info.functions, 0);
  std::sort(info.functions.begin(), info.functions.end(),
            [](const FunctionRange& a, const FunctionRange& b) { return a.low < b.low; });
  return info;
}

bool DieIndex::lookup(Dwarf_Addr address, ScopeChain& out) {
  out.functions.clear();
  out.cu = nullptr;
  Dwarf_Addr bias = 0;
  const Dwarf_Die* cuDie = findCu(address, bias);
  if (cuDie == nullptr) return false;
  const CuInfo& info = cuInfo(*cuDie);
  out.cu = &info;
  out.pc = address - bias;
  const auto& fns = info.functions;
  auto it =
      std::upper_bound(fns.begin(), fns.end(), out.pc,
                       [](Dwarf_Addr value, const FunctionRange& r) { return value < r.low; });
  // Usually the candidate just below is it; duplicates (identical code folding) sit nearby.
  for (int tries = 0; it != fns.begin() && tries < 8; ++tries) {
    --it;
    if (out.pc < it->high) {
      walkScopes(it->die, out.pc, out.functions);
      break;
    }
  }
  return true;
}

}  // namespace memprof::symbolize::detail
