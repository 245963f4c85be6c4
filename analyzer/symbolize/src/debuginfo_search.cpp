// SPDX-License-Identifier: MIT
/// @brief Where separate debug information is looked for, and the libdwfl callbacks that do it.
#include "debuginfo_search.h"

#include <elfutils/libdwelf.h>
#include <fcntl.h>
#include <libelf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <system_error>
#include <utility>

#include "debug_cache.h"
#include "elf_handles.h"
#include "path_util.h"

namespace memprof::symbolize::detail {

namespace {

std::string buildIdOfFd(int fd) {
  // libelf refuses to work until a version has been negotiated; cheap and idempotent.
  if (elf_version(EV_CURRENT) == EV_NONE) return {};
  ElfPtr elf(elf_begin(fd, ELF_C_READ_MMAP, nullptr));
  if (!elf) return {};
  const void* bits = nullptr;
  const ssize_t len = dwelf_elf_gnu_build_id(elf.get(), &bits);
  if (len <= 0 || bits == nullptr) return {};
  return std::string(static_cast<const char*>(bits), static_cast<std::size_t>(len));
}

bool isRegularFile(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string moduleBuildId(Dwfl_Module* mod) {
  const unsigned char* bits = nullptr;
  GElf_Addr vaddr = 0;
  const int len = dwfl_module_build_id(mod, &bits, &vaddr);
  if (len <= 0 || bits == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(bits), static_cast<std::size_t>(len));
}

/// Opens @p path if it plausibly is the debug file we want: same build-id as the module when the
/// module has one (a stale .debug next to a rebuilt binary must not be used), else any ELF.
/// CRC-only debuglinks are not CRC-checked: reading whole files would cost more than it saves.
int openCandidate(const std::string& path, const std::string& wantedId, const char* selfPath,
                  char** debuginfoFileName) {
  if (selfPath != nullptr && path == selfPath) return -1;  // a debuglink naming the file itself
  if (!isRegularFile(path)) return -1;
  FdGuard fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return -1;
  if (!wantedId.empty() && buildIdOfFd(fd.get()) != wantedId) return -1;
  *debuginfoFileName = ::strdup(path.c_str());
  return fd.release();
}

/// The .gnu_debuglink search order of GDB and libdwfl: next to the file, in .debug/ next to it,
/// and under each debug root mirroring the file's directory (and flat, for user symbol dirs).
int findByDebuglink(const DebugSearchConfig& config, Dwfl_Module* mod, const char* fileName,
                    const char* debuglink, GElf_Word crc, char** debuginfoFileName) {
  const std::string wantedId = moduleBuildId(mod);
  const std::string_view link(debuglink);
  const std::string_view fileDir = fileName != nullptr ? dirName(fileName) : std::string_view{};

  std::vector<std::string> candidates;
  if (link.front() == '/') {
    // A dwz alternate file (.gnu_debugaltlink) is usually named by absolute path.
    candidates.push_back(applySysroot(config.sysroot, link));
    candidates.emplace_back(link);
  } else {
    if (!fileDir.empty()) {
      candidates.push_back(joinPath(fileDir, link));
      candidates.push_back(joinPath(joinPath(fileDir, ".debug"), link));
    }
    // The file's directory as the target saw it, i.e. with the sysroot prefix removed again.
    std::string_view targetDir = fileDir;
    if (!config.sysroot.empty() && targetDir.starts_with(config.sysroot)) {
      targetDir.remove_prefix(config.sysroot.size());
    }
    for (const std::string& root : config.debugDirs) {
      // Mirrored: /usr/lib/debug + /usr/lib/x86_64-linux-gnu + / + libfoo.so.debug.
      if (!targetDir.empty()) {
        const std::string mirrored =
            targetDir.front() == '/' ? root + std::string(targetDir) : joinPath(root, targetDir);
        candidates.push_back(joinPath(mirrored, link));
      }
      candidates.push_back(joinPath(root, link));
    }
  }
  // libdwfl asks for a dwz alternate file (.gnu_debugaltlink) with crc 0. That file has its own
  // build-id, not the module's; libdw checks it against the link when it opens it.
  const bool altLink = crc == 0;
  for (const std::string& candidate : candidates) {
    const int fd =
        openCandidate(candidate, altLink ? std::string{} : wantedId, fileName, debuginfoFileName);
    if (fd >= 0) return fd;
  }
  return -1;
}

}  // namespace

DebugSearchConfig::DebugSearchConfig(const SymbolizerOptions& options) : sysroot(options.sysroot) {
  while (!sysroot.empty() && sysroot.back() == '/') sysroot.pop_back();
  for (const std::string& dir : options.debugPaths) {
    if (dir.empty()) continue;
    // libdwfl only consults absolute entries for .build-id lookups; a relative --debug-path on
    // the command line means "relative to where I run the analyzer", so anchor it now.
    std::error_code ec;
    const std::filesystem::path absolute = std::filesystem::absolute(dir, ec);
    debugDirs.push_back(normalizePath(ec ? dir : absolute.string()));
  }
  if (!sysroot.empty()) debugDirs.push_back(sysroot + "/usr/lib/debug");
  debugDirs.emplace_back("/usr/lib/debug");

  // "+" = verify CRCs (libdwfl's default flag); "" = the module's own directory; ".debug" =
  // its .debug subdirectory; then the absolute roots, user directories first.
  debuginfoPath = "+:.debug";
  for (const std::string& dir : debugDirs) debuginfoPath += ":" + dir;
  debuginfoPathPtr = debuginfoPath.data();
  decompressedCache = debugCacheDir();

  callbacks.find_elf = &findElfNever;
  callbacks.find_debuginfo = &findDebuginfo;
  callbacks.section_address = &dwfl_offline_section_address;
  callbacks.debuginfo_path = &debuginfoPathPtr;
}

std::string hexBuildId(std::string_view raw) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(raw.size() * 2);
  for (const char c : raw) {
    const auto byte = static_cast<unsigned char>(c);
    hex.push_back(kDigits[byte >> 4]);
    hex.push_back(kDigits[byte & 0xf]);
  }
  return hex;
}

std::string readBuildId(const std::string& path) {
  FdGuard fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return {};
  return buildIdOfFd(fd.get());
}

std::string findByBuildId(const DebugSearchConfig& config, std::string_view raw) {
  // Shorter ids cannot be split into the xx/rest layout (and are not real GNU build-ids).
  if (raw.size() < 2) return {};
  const std::string hex = hexBuildId(raw);
  const std::string rel = ".build-id/" + hex.substr(0, 2) + "/" + hex.substr(2);
  for (const std::string& root : config.debugDirs) {
    for (const char* suffix : {".debug", ""}) {
      const std::string candidate = root + "/" + rel + suffix;
      if (isRegularFile(candidate) && readBuildId(candidate) == raw) return candidate;
    }
  }
  return {};
}

namespace {

/// Swaps a found debug file for its decompressed copy when it has compressed sections (see
/// debug_cache.h); @p name is libdwfl's malloc'ed path of the file handed back.
int preferCachedCopy(const DebugSearchConfig* config, int fd, char** name) {
  if (config == nullptr || config->decompressedCache.empty() || fd < 0 || *name == nullptr) {
    return fd;
  }
  std::string path(*name);
  const int result = preferDecompressedCopy(fd, path, config->decompressedCache);
  if (result != fd) {
    std::free(*name);
    *name = ::strdup(path.c_str());
  }
  return result;
}

}  // namespace

int findDebuginfo(Dwfl_Module* mod, void** userdata, const char* modname, Dwarf_Addr base,
                  const char* fileName, const char* debuglink, GElf_Word crc,
                  char** debuginfoFileName) {
  const auto* config =
      userdata != nullptr ? static_cast<const DebugSearchConfig*>(*userdata) : nullptr;
  // A dwz alternate file is asked for with its link name and crc 0 (see findByDebuglink).
  const bool altRequest = debuglink != nullptr && crc == 0;
  if (!altRequest && config != nullptr && !config->decompressedCache.empty()) {
    // The module's own debug file by build-id, swapped for its decompressed copy if it has
    // compressed sections. Not through dwfl_build_id_find_debuginfo: that one also hands
    // libdwfl its own Elf handle of the file it found, and libdwfl would read that one.
    std::string path = findByBuildId(*config, moduleBuildId(mod));
    if (!path.empty()) {
      const int found = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      const int chosen = preferDecompressedCopy(found, path, config->decompressedCache);
      if (chosen >= 0 && chosen != found) {
        *debuginfoFileName = ::strdup(path.c_str());
        return chosen;
      }
      if (chosen >= 0) ::close(chosen);  // not compressed: the usual search below
    }
  }
  // Build-id first: exact, and it also resolves dwz alternate files. This libdwfl helper only
  // walks the absolute directories of our debuginfo_path; it never contacts debuginfod.
  const int fd = dwfl_build_id_find_debuginfo(mod, userdata, modname, base, fileName, debuglink,
                                              crc, debuginfoFileName);
  if (fd >= 0) return fd;
  if (debuglink == nullptr || *debuglink == '\0' || config == nullptr) return -1;
  return preferCachedCopy(
      config, findByDebuglink(*config, mod, fileName, debuglink, crc, debuginfoFileName),
      debuginfoFileName);
}

int findElfNever(Dwfl_Module* /*mod*/, void** /*userdata*/, const char* /*modname*/,
                 Dwarf_Addr /*base*/, char** /*fileName*/, Elf** /*elfp*/) {
  return -1;
}

}  // namespace memprof::symbolize::detail
