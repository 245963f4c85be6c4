// SPDX-License-Identifier: MIT
/// @brief Decompressed copies of debug files whose DWARF sections are compressed, kept on disk.
#include "debug_cache.h"

#include <elfutils/libdwelf.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <system_error>
#include <vector>

#include "debuginfo_search.h"
#include "elf_handles.h"

namespace memprof::symbolize::detail {

namespace {

/// What decides whether and where a file is cached.
struct ElfFacts {
  bool readable = false;
  bool compressed = false;  ///< some section has SHF_COMPRESSED
  std::string buildId;      ///< raw bytes
};

ElfFacts factsOf(int fd) {
  ElfFacts facts;
  if (elf_version(EV_CURRENT) == EV_NONE) return facts;
  ElfPtr elf(elf_begin(fd, ELF_C_READ_MMAP, nullptr));
  if (!elf || elf_kind(elf.get()) != ELF_K_ELF) return facts;
  facts.readable = true;
  for (Elf_Scn* scn = elf_nextscn(elf.get(), nullptr); scn != nullptr;
       scn = elf_nextscn(elf.get(), scn)) {
    GElf_Shdr shdr;
    if (gelf_getshdr(scn, &shdr) != nullptr && (shdr.sh_flags & SHF_COMPRESSED) != 0) {
      facts.compressed = true;
      break;
    }
  }
  const void* bits = nullptr;
  const ssize_t len = dwelf_elf_gnu_build_id(elf.get(), &bits);
  if (len > 0 && bits != nullptr) {
    facts.buildId.assign(static_cast<const char*>(bits), static_cast<std::size_t>(len));
  }
  return facts;
}

bool copyAll(int from, int to) {
  std::vector<char> buffer(1 << 20);
  off_t offset = 0;
  for (;;) {
    const ssize_t n = ::pread(from, buffer.data(), buffer.size(), offset);
    if (n < 0) return false;
    if (n == 0) return true;
    for (ssize_t done = 0; done < n;) {
      const ssize_t w = ::write(to, buffer.data() + done, static_cast<std::size_t>(n - done));
      if (w <= 0) return false;
      done += w;
    }
    offset += n;
  }
}

/// Rewrites the ELF file open read-write as @p fd with every compressed section inflated
/// (libelf lays the sections out anew; program headers, which a debug file's readers take
/// addresses from, not offsets, are kept).
bool decompressInPlace(int fd) {
  ElfPtr elf(elf_begin(fd, ELF_C_RDWR, nullptr));
  if (!elf || elf_kind(elf.get()) != ELF_K_ELF) return false;
  for (Elf_Scn* scn = elf_nextscn(elf.get(), nullptr); scn != nullptr;
       scn = elf_nextscn(elf.get(), scn)) {
    GElf_Shdr shdr;
    if (gelf_getshdr(scn, &shdr) == nullptr) return false;
    if ((shdr.sh_flags & SHF_COMPRESSED) != 0 && elf_compress(scn, 0, 0) < 0) return false;
  }
  const off_t size = elf_update(elf.get(), ELF_C_WRITE);
  if (size < 0) return false;
  elf.reset();
  return ::ftruncate(fd, size) == 0;
}

/// Opens the cached copy at @p path if it is the decompressed file with @p buildId.
int openValidCopy(const std::string& path, const std::string& buildId) {
  FdGuard fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return -1;
  const ElfFacts facts = factsOf(fd.get());
  if (!facts.readable || facts.compressed || facts.buildId != buildId) return -1;
  return fd.release();
}

/// Removes temporary files of @p path's copy left by analyses that were killed while making
/// it (older than ten minutes: a live one is still being written).
void removeStaleTemporaries(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  const std::string prefix = path.filename().string() + ".";
  const auto cutoff = fs::file_time_type::clock::now() - std::chrono::minutes(10);
  std::error_code ec;
  for (fs::directory_iterator it(path.parent_path(), ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!name.starts_with(prefix)) continue;
    std::error_code timeError;
    const auto written = it->last_write_time(timeError);
    std::error_code ignored;
    if (!timeError && written < cutoff) fs::remove(it->path(), ignored);
  }
}

/// Makes the decompressed copy of @p source at @p path; true when it is in place.
bool makeCopy(int source, const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  if (ec) return false;
  removeStaleTemporaries(path);
  std::string temp = path + ".XXXXXX";
  FdGuard out(::mkstemp(temp.data()));
  if (out.get() < 0) return false;
  const bool ok = copyAll(source, out.get()) && decompressInPlace(out.get()) &&
                  ::fchmod(out.get(), 0644) == 0 && ::rename(temp.c_str(), path.c_str()) == 0;
  if (!ok) ::unlink(temp.c_str());
  return ok;
}

}  // namespace

std::string debugCacheDir() {
  if (const char* dir = std::getenv("MEMPROF_DEBUG_CACHE"); dir != nullptr) {
    std::string value(dir);
    if (value.empty() || value == "off" || value == "0") return {};
    return value;
  }
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && xdg[0] == '/') {
    return std::string(xdg) + "/memprof/debug";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && home[0] == '/') {
    return std::string(home) + "/.cache/memprof/debug";
  }
  return {};
}

int preferDecompressedCopy(int fd, std::string& path, const std::string& cacheDir) {
  if (cacheDir.empty() || fd < 0) return fd;
  const ElfFacts facts = factsOf(fd);
  if (!facts.readable || !facts.compressed || facts.buildId.size() < 2) return fd;
  const std::string copy = cacheDir + "/" + hexBuildId(facts.buildId) + ".debug";
  int cached = openValidCopy(copy, facts.buildId);
  if (cached < 0 && makeCopy(fd, copy)) cached = openValidCopy(copy, facts.buildId);
  if (cached < 0) return fd;
  ::close(fd);
  path = copy;
  return cached;
}

std::string preferDecompressedPath(const std::string& path, const std::string& cacheDir) {
  if (cacheDir.empty()) return path;
  std::string chosen = path;
  const int fd =
      preferDecompressedCopy(::open(path.c_str(), O_RDONLY | O_CLOEXEC), chosen, cacheDir);
  if (fd >= 0) ::close(fd);
  return chosen;
}

}  // namespace memprof::symbolize::detail
