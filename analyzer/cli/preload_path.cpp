// SPDX-License-Identifier: MIT
/// @brief Preload library discovery relative to /proc/self/exe.
#include "preload_path.h"

#include <unistd.h>

#include <filesystem>
#include <stdexcept>

namespace memprof::cli {

std::string findPreloadLibrary() {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw std::runtime_error("cannot locate the memprof executable: " + ec.message());
  const fs::path bin = exe.parent_path();
  const fs::path candidates[] = {bin / "../lib/libmemprof.so",
                                 bin / ".." / MEMPROF_INSTALL_LIBDIR / "libmemprof.so"};
  for (const auto& c : candidates) {
    if (fs::exists(c, ec)) return fs::canonical(c, ec).string();
  }
  throw std::runtime_error("cannot find libmemprof.so next to " + exe.string() + " (expected " +
                           candidates[0].lexically_normal().string() + ")");
}

}  // namespace memprof::cli
