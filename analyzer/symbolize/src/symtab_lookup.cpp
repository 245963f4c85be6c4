// SPDX-License-Identifier: MIT
/// @brief ELF symbol table fallback for code without DWARF (stripped libraries, assembly).
#include "symtab_lookup.h"

#include <gelf.h>

#include <algorithm>

#include "demangle.h"

namespace memprof::symbolize::detail {

const std::vector<SymtabLookup::Symbol>& SymtabLookup::symbolsOf(Dwfl_Module* module) {
  auto [it, inserted] = m_tables.try_emplace(module);
  if (!inserted) return it->second;
  std::vector<Symbol>& table = it->second;
  // dwfl_module_getsymtab uses .symtab when present (here or in a separate debug file), else
  // .dynsym, which still names every exported function of a stripped shared library.
  const int count = dwfl_module_getsymtab(module);
  std::vector<std::pair<Symbol, GElf_Xword>> raw;
  for (int i = 1; i < count; ++i) {
    GElf_Sym sym{};
    GElf_Addr addr = 0;
    GElf_Word shndx = 0;
    const char* name = dwfl_module_getsym_info(module, i, &sym, &addr, &shndx, nullptr, nullptr);
    if (name == nullptr || *name == '\0' || sym.st_shndx == SHN_UNDEF) continue;
    const int type = GELF_ST_TYPE(sym.st_info);
    if (type != STT_FUNC && type != STT_GNU_IFUNC) continue;
    raw.push_back({Symbol{addr, addr + sym.st_size, name}, sym.st_size});
  }
  std::sort(raw.begin(), raw.end(), [](const auto& a, const auto& b) {
    // Same address (aliases): prefer the sized, global-looking one, i.e. the larger size.
    return a.first.begin != b.first.begin ? a.first.begin < b.first.begin : a.second > b.second;
  });
  table.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (!table.empty() && table.back().begin == raw[i].first.begin) continue;
    Symbol s = raw[i].first;
    if (raw[i].second == 0) {  // unsized (assembly): extends to the next symbol
      s.end = i + 1 < raw.size() ? raw[i + 1].first.begin : s.begin + 1;
    }
    table.push_back(s);
  }
  return table;
}

const std::string* SymtabLookup::nameAt(Dwfl_Module* module, Dwarf_Addr address) {
  const std::vector<Symbol>& table = symbolsOf(module);
  auto it = std::upper_bound(table.begin(), table.end(), address,
                             [](Dwarf_Addr a, const Symbol& s) { return a < s.begin; });
  if (it == table.begin()) return m_pool.empty();
  --it;
  // An address past the symbol's end is only the nearest preceding one: the address is in
  // padding or in code the table does not describe, and naming it would mislead.
  if (address >= it->end) return m_pool.empty();
  auto [cached, inserted] = m_names.try_emplace(it->name, nullptr);
  if (inserted) cached->second = m_pool.intern(demangle(it->name));
  return cached->second;
}

}  // namespace memprof::symbolize::detail
