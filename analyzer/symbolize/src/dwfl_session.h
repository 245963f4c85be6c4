// SPDX-License-Identifier: MIT
/// @brief One offline libdwfl session per module file: opening, reporting, build-id checking.
#pragma once

#include <elfutils/libdwfl.h>

#include <memory>
#include <string>

#include "debuginfo_search.h"

namespace memprof::symbolize::detail {

struct DwflDeleter {
  void operator()(Dwfl* dwfl) const noexcept { dwfl_end(dwfl); }
};
using DwflPtr = std::unique_ptr<Dwfl, DwflDeleter>;

/// A module file reported to its own Dwfl session at load bias 0, so the session's addresses
/// are file virtual addresses: one session then serves the file at any recorded load address
/// (several processes, ASLR) and its caches are shared between them.
struct DwflSession {
  DwflPtr dwfl;
  Dwfl_Module* module = nullptr;  ///< owned by dwfl; null when no usable file was found
  std::string openedPath;         ///< file actually reported (may be a .build-id debug file)
  bool missing = false;           ///< the recorded file could not be opened as an ELF
  bool buildIdMismatch = false;   ///< the recorded file exists but has another build-id
};

/// Opens @p recordedPath (below the sysroot) and checks it against @p buildId (raw bytes, may
/// be empty). When the file is missing or has another build-id, a debug file with the recorded
/// build-id under a debug root is used instead if there is one. Never throws on bad files.
DwflSession openSession(const DebugSearchConfig& config, const std::string& recordedPath,
                        const std::string& buildId);

}  // namespace memprof::symbolize::detail
