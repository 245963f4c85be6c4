// SPDX-License-Identifier: MIT
/// @brief Turns a DWARF scope chain into frame records: names, call sites, line-table locations.
#include "dwarf_frames.h"

#include <dwarf.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>

#include "demangle.h"
#include "path_util.h"

namespace memprof::symbolize::detail {

namespace {

/// abstract_origin/specification hops we follow; real chains are 1-3 long, cycles are corrupt.
constexpr int kMaxNameHops = 16;

constexpr auto kU32Max = std::numeric_limits<std::uint32_t>::max();

std::uint32_t toU32(int value) { return value < 0 ? 0u : static_cast<std::uint32_t>(value); }

std::uint32_t toU32(Dwarf_Word value) {
  return static_cast<std::uint32_t>(std::min<Dwarf_Word>(value, kU32Max));
}

bool isCxx(Dwarf_Die& die) {
  Dwarf_Die cu;
  if (dwarf_diecu(&die, &cu, nullptr, nullptr) == nullptr) return false;
  switch (dwarf_srclang(&cu)) {
    case DW_LANG_C_plus_plus:
    case DW_LANG_C_plus_plus_03:
    case DW_LANG_C_plus_plus_11:
    case DW_LANG_C_plus_plus_14:
      return true;
    default:
      return false;
  }
}

struct FreeDeleter {
  void operator()(Dwarf_Die* p) const noexcept { std::free(p); }
};

}  // namespace

std::string FrameBuilder::computeName(Dwarf_Die die) {
  // Inlined instances and out-of-line copies point at their abstract DIE (abstract_origin),
  // member definitions at their in-class declaration (specification); the linkage name, which
  // demangles to the fully qualified signature, may sit on any of them.
  const char* plain = nullptr;
  Dwarf_Die declaration = die;
  for (int hop = 0; hop < kMaxNameHops; ++hop) {
    Dwarf_Attribute attr;
    const char* linkage = dwarf_formstring(dwarf_attr(&die, DW_AT_linkage_name, &attr));
    if (linkage == nullptr) {
      linkage = dwarf_formstring(dwarf_attr(&die, DW_AT_MIPS_linkage_name, &attr));
    }
    if (linkage != nullptr) return demangle(linkage);
    if (plain == nullptr) plain = dwarf_formstring(dwarf_attr(&die, DW_AT_name, &attr));
    declaration = die;
    Dwarf_Die next;
    if (dwarf_formref_die(dwarf_attr(&die, DW_AT_abstract_origin, &attr), &next) == nullptr &&
        dwarf_formref_die(dwarf_attr(&die, DW_AT_specification, &attr), &next) == nullptr) {
      break;
    }
    die = next;
  }
  if (plain == nullptr) return {};
  if (std::strstr(plain, "::") != nullptr || !isCxx(declaration)) return plain;
  return scopePrefix(declaration, plain) + plain;
}

std::string FrameBuilder::scopePrefix(Dwarf_Die& decl, std::string_view name) {
  // "ns::Class::" for a C++ declaration without a linkage name (GCC omits it for functions with
  // internal linkage, e.g. in anonymous namespaces; clang -gmlt for everything). Walks the CU
  // from its start, but only for such DIEs, and the caller caches the result per DIE.
  Dwarf_Die* raw = nullptr;
  const int count = dwarf_getscopes_die(&decl, &raw);
  std::unique_ptr<Dwarf_Die, FreeDeleter> scopes(raw);
  std::string prefix;
  // scopes[0] is decl itself and scopes[count - 1] its CU; walk inwards from the outermost.
  for (int i = count - 2; i >= 1; --i) {
    Dwarf_Die& scope = scopes.get()[i];
    const char* scopeName = dwarf_diename(&scope);
    switch (dwarf_tag(&scope)) {
      case DW_TAG_subprogram:
        // A local class (typically a lambda's closure type): the enclosing function's name is
        // already qualified, so it replaces what was collected so far.
        prefix = *functionName(scope);
        prefix += "::";
        break;
      case DW_TAG_namespace:
        prefix += scopeName != nullptr ? scopeName : "(anonymous namespace)";
        prefix += "::";
        break;
      case DW_TAG_class_type:
      case DW_TAG_structure_type:
      case DW_TAG_union_type:
        if (scopeName != nullptr) {
          prefix += scopeName;
        } else {
          // GCC leaves closure types unnamed; their members are the call operator and _FUN.
          prefix += name == "operator()" || name == "_FUN" ? "{lambda}" : "{unnamed type}";
        }
        prefix += "::";
        break;
      default:
        break;
    }
  }
  return prefix;
}

const std::string* FrameBuilder::functionName(const Dwarf_Die& die) {
  auto [it, inserted] = m_names.try_emplace(die.addr, m_pool.empty());
  if (!inserted) return it->second;
  // computeName may insert enclosing functions' names: references into the map survive the
  // rehash that can cause, iterators would not. A cycle in corrupt DWARF finds "" in progress.
  const std::string*& slot = it->second;
  const std::string* name = m_pool.intern(computeName(die));
  slot = name;
  return name;
}

const std::string* FrameBuilder::fileName(const CuInfo& cu, const char* raw) {
  auto [it, inserted] = m_files.try_emplace({raw, &cu}, m_pool.empty());
  // libdw names a missing DWARF 4 file entry "???"; that is "unknown", not a file.
  if (inserted && std::strcmp(raw, "???") != 0) {
    it->second = m_pool.intern(sourcePath(cu.compDir, raw));
  }
  return it->second;
}

void FrameBuilder::lineLocation(const CuInfo& cu, Dwarf_Addr pc, FrameRecord& frame) {
  Dwarf_Die lineCu = cu.lineCu;
  Dwarf_Line* line = dwarf_getsrc_die(&lineCu, pc);
  if (line == nullptr) return;
  if (const char* src = dwarf_linesrc(line, nullptr, nullptr)) frame.file = fileName(cu, src);
  int lineNo = 0;
  int column = 0;
  if (dwarf_lineno(line, &lineNo) == 0) frame.line = toU32(lineNo);
  if (dwarf_linecol(line, &column) == 0) frame.column = toU32(column);
}

void FrameBuilder::callSite(const CuInfo& cu, const Dwarf_Die& inlined, FrameRecord& frame) {
  Dwarf_Die die = inlined;
  Dwarf_Attribute attr;
  Dwarf_Word value = 0;
  // DW_AT_call_file indexes the CU's line-table file list (DWARF 5: 0-based, 4: 1-based; libdw
  // hides the difference by keeping a placeholder at index 0 for DWARF 4).
  if (cu.files != nullptr &&
      dwarf_formudata(dwarf_attr(&die, DW_AT_call_file, &attr), &value) == 0 &&
      value < cu.fileCount) {
    if (const char* src = dwarf_filesrc(cu.files, value, nullptr, nullptr)) {
      frame.file = fileName(cu, src);
    }
  }
  if (dwarf_formudata(dwarf_attr(&die, DW_AT_call_line, &attr), &value) == 0) {
    frame.line = toU32(value);
  }
  if (dwarf_formudata(dwarf_attr(&die, DW_AT_call_column, &attr), &value) == 0) {
    frame.column = toU32(value);
  }
}

void FrameBuilder::build(const ScopeChain& chain, std::vector<FrameRecord>& out) {
  const auto& fns = chain.functions;
  if (fns.empty() || chain.cu == nullptr) return;
  // The innermost function is where pc is: its location comes from the line table. Every outer
  // function is "at" the call site of the function inlined into it.
  FrameRecord inner{functionName(fns.back()), m_pool.empty(), 0, 0, fns.size() > 1};
  lineLocation(*chain.cu, chain.pc, inner);
  out.push_back(inner);
  for (std::size_t i = fns.size() - 1; i >= 1; --i) {
    FrameRecord outer{functionName(fns[i - 1]), m_pool.empty(), 0, 0, i - 1 > 0};
    callSite(*chain.cu, fns[i], outer);
    out.push_back(outer);
  }
}

}  // namespace memprof::symbolize::detail
