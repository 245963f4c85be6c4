// SPDX-License-Identifier: MIT
/// @brief Itanium C++ ABI demangling of symbol and DWARF linkage names.
#include "demangle.h"

#include <cxxabi.h>

#include <cstdlib>
#include <cstring>
#include <memory>

namespace memprof::symbolize::detail {

namespace {

struct FreeDeleter {
  void operator()(char* p) const noexcept { std::free(p); }
};

}  // namespace

std::string demangle(const char* name) {
  if (name == nullptr) return {};
  // __cxa_demangle also decodes bare *type* encodings ("i" -> "int", "f" -> "float"), which
  // would turn C functions named like that into nonsense; only symbol encodings start with _Z.
  if (std::strncmp(name, "_Z", 2) != 0) return name;
  int status = 0;
  std::unique_ptr<char, FreeDeleter> out(abi::__cxa_demangle(name, nullptr, nullptr, &status));
  if (status != 0 || !out) return name;
  return std::string(out.get());
}

}  // namespace memprof::symbolize::detail
