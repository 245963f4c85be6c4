// SPDX-License-Identifier: MIT
/// @brief One offline libdwfl session per module file: opening, reporting, build-id checking.
#include "dwfl_session.h"

#include <sys/stat.h>

#include <string_view>

#include "debug_cache.h"
#include "path_util.h"

namespace memprof::symbolize::detail {

namespace {

/// Reports @p file into a fresh session; the session is empty (module null) on any failure.
DwflSession reportFile(const DebugSearchConfig& config, const std::string& name,
                       const std::string& file) {
  DwflSession session;
  session.dwfl.reset(dwfl_begin(&config.callbacks));
  if (!session.dwfl) return session;
  dwfl_report_begin(session.dwfl.get());
  // base 0 with add_p_vaddr: bias 0 even for a DSO whose first PT_LOAD is not at vaddr 0
  // (prelinked libraries), matching our "runtime - dlpi_addr" translation exactly.
  Dwfl_Module* mod =
      dwfl_report_elf(session.dwfl.get(), name.c_str(), file.c_str(), -1, 0, /*add_p_vaddr=*/true);
  dwfl_report_end(session.dwfl.get(), nullptr, nullptr);
  if (mod == nullptr) return session;
  // findDebuginfo needs the search configuration; the module's userdata slot carries it.
  void** userdata = nullptr;
  dwfl_module_info(mod, &userdata, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr);
  if (userdata != nullptr) *userdata = const_cast<DebugSearchConfig*>(&config);
  session.module = mod;
  session.openedPath = file;
  return session;
}

std::string sessionBuildId(const DwflSession& session) {
  const unsigned char* bits = nullptr;
  GElf_Addr vaddr = 0;
  const int len = dwfl_module_build_id(session.module, &bits, &vaddr);
  if (len <= 0 || bits == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(bits), static_cast<std::size_t>(len));
}

bool isRegularFile(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

DwflSession openSession(const DebugSearchConfig& config, const std::string& recordedPath,
                        const std::string& buildId) {
  const std::string path = applySysroot(config.sysroot, recordedPath);
  // Pseudo modules ("[vdso]", "linux-vdso.so.1") and deleted files have nothing on disk. A
  // relative name (dlopen("./x.so")) is tried relative to the analyzer's working directory.
  DwflSession session;
  if (!path.empty() && isRegularFile(path)) {
    session = reportFile(config, recordedPath, path);
  }
  const bool missing = session.module == nullptr;
  bool mismatch = false;
  if (!missing && !buildId.empty()) {
    const std::string actual = sessionBuildId(session);
    // A file without a build-id note cannot be checked; trust the path in that case.
    mismatch = !actual.empty() && actual != buildId;
  }
  if ((missing || mismatch) && !buildId.empty()) {
    // The debug file with the recorded build-id describes exactly the code that ran; it has the
    // program headers, symbol table and DWARF, which is all symbolization needs.
    const std::string byId = findByBuildId(config, buildId);
    if (!byId.empty()) {
      DwflSession replacement =
          reportFile(config, recordedPath, preferDecompressedPath(byId, config.decompressedCache));
      if (replacement.module != nullptr) session = std::move(replacement);
    }
  }
  session.missing = missing;
  session.buildIdMismatch = mismatch;
  return session;
}

}  // namespace memprof::symbolize::detail
