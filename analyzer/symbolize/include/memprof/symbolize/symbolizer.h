// SPDX-License-Identifier: MIT
/// @brief Offline symbolization of recorded addresses with elfutils' libdw/libdwfl.
///
/// Given a module as the log describes it (path, build-id, load bias) and a runtime address,
/// returns the source frames at that address, innermost first: inlined callees first, then the
/// function that contains them. This is the only code in memprof that includes libdw.
/// Thread-safety: one Symbolizer per thread (libdwfl sessions are not thread-safe).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace memprof::symbolize {

/// A module as recorded by the preload library.
struct ModuleRef {
  std::string path;        ///< as the dynamic loader named it (absolute for the main executable)
  std::string buildId;     ///< raw GNU build-id bytes (may be empty)
  std::uint64_t base = 0;  ///< load bias (dl_phdr_info::dlpi_addr): runtime = file vaddr + base
};

/// One source-level frame. Inlined frames are frames of their own.
struct SourceFrame {
  std::string function;    ///< demangled; empty when unknown
  std::string file;        ///< as the debug information gives it (comp dir joined when relative)
  std::uint32_t line = 0;  ///< 0 when unknown
  std::uint32_t column = 0;
  bool inlined = false;  ///< true for a frame inlined into the next (outer) one
};

struct SymbolizerOptions {
  std::vector<std::string> debugPaths;  ///< extra directories to search for separate debug info
  std::string sysroot;                  ///< prefix applied to module paths (analysis elsewhere)
};

/// Per-module resolution counts, for "N addresses could not be resolved" reports.
struct ModuleStats {
  std::string path;
  std::uint64_t resolved = 0;    ///< addresses with at least a function name
  std::uint64_t unresolved = 0;  ///< addresses with nothing (no symbol, no debug info)
  bool missing = false;          ///< module file could not be opened
  bool buildIdMismatch = false;  ///< file on disk has another build-id than the recorded one
};

class Symbolizer {
 public:
  explicit Symbolizer(SymbolizerOptions options = {});
  ~Symbolizer();
  Symbolizer(const Symbolizer&) = delete;
  Symbolizer& operator=(const Symbolizer&) = delete;

  /// Frames at @p address (a runtime address inside @p module), innermost first; never empty
  /// (an unknown address yields one frame with empty function and file).
  /// @p isReturnAddress: the address is a return address from an unwind, so the call
  /// instruction is at address-1 (every frame except the exact PC of a CPU sample).
  std::vector<SourceFrame> resolve(const ModuleRef& module, std::uint64_t address,
                                   bool isReturnAddress);

  /// Same as resolve(), for hot loops over stack nodes: fills a buffer owned by the Symbolizer,
  /// reusing its string capacity, so a cached address costs no allocation. The reference is
  /// valid until the next resolve() or resolveRef() call.
  const std::vector<SourceFrame>& resolveRef(const ModuleRef& module, std::uint64_t address,
                                             bool isReturnAddress);

  /// Counts per module path, in first-seen order. Each distinct lookup address of a module file
  /// is counted once, however often it is resolved.
  [[nodiscard]] std::vector<ModuleStats> stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace memprof::symbolize
