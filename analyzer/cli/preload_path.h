// SPDX-License-Identifier: MIT
/// @brief Finds libmemprof.so next to the memprof executable (../lib), never via the cwd.
#pragma once

#include <string>

namespace memprof::cli {

/// Absolute path of the preload library; throws std::runtime_error when it cannot be found.
std::string findPreloadLibrary();

}  // namespace memprof::cli
