// SPDX-License-Identifier: MIT
/// @brief Itanium C++ ABI demangling of symbol and DWARF linkage names.
#pragma once

#include <string>

namespace memprof::symbolize::detail {

/// Demangled form of @p name, or @p name unchanged when it is not a mangled C++ name (C symbols,
/// already demangled names) or cannot be demangled. Never throws on malformed input.
std::string demangle(const char* name);

}  // namespace memprof::symbolize::detail
