// SPDX-License-Identifier: MIT
/// @brief ELF symbol table fallback for code without DWARF (stripped libraries, assembly).
#include "symtab_lookup.h"

#include "demangle.h"

namespace memprof::symbolize::detail {

const std::string* SymtabLookup::nameAt(Dwfl_Module* module, Dwarf_Addr address) {
  GElf_Off offset = 0;
  GElf_Sym sym{};
  // Uses .symtab when present (here or in a separate debug file), else .dynsym, which still
  // names every exported function of a stripped shared library.
  const char* name =
      dwfl_module_addrinfo(module, address, &offset, &sym, nullptr, nullptr, nullptr);
  if (name == nullptr || *name == '\0') return m_pool.empty();
  // A sized symbol that ends before the address is only the nearest preceding one: the address
  // is in padding or in code the table does not describe, and naming it would mislead.
  if (sym.st_size != 0 && offset >= sym.st_size) return m_pool.empty();
  auto [it, inserted] = m_names.try_emplace(name, nullptr);
  if (inserted) it->second = m_pool.intern(demangle(name));
  return it->second;
}

}  // namespace memprof::symbolize::detail
