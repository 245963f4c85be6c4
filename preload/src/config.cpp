// SPDX-License-Identifier: MIT
/// @brief MEMPROF_* environment parsing and log path expansion.
#include "config.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace memprof::preload {

// constinit: a dynamic initializer would run in our .init_array, after the first malloc has
// already loaded the configuration, and silently reset it.
constinit Config g_config{};

namespace {

bool append(char* out, std::size_t size, std::size_t* at, const char* s, std::size_t n) {
  if (*at + n + 1 > size) return false;
  std::memcpy(out + *at, s, n);
  *at += n;
  out[*at] = '\0';
  return true;
}

/// Makes @p path absolute against the current directory, so a later chdir changes nothing.
void makeAbsolute(const char* path, char* out, std::size_t size) {
  if (path[0] == '/') {
    std::strncpy(out, path, size - 1);
    out[size - 1] = '\0';
    return;
  }
  char cwd[2048];
  if (getcwd(cwd, sizeof cwd) == nullptr) cwd[0] = '\0';
  std::size_t at = 0;
  out[0] = '\0';
  const char* rest = path;
  if (rest[0] == '.' && rest[1] == '/') rest += 2;
  if (!append(out, size, &at, cwd, std::strlen(cwd)) || !append(out, size, &at, "/", 1) ||
      !append(out, size, &at, rest, std::strlen(rest))) {
    out[0] = '\0';
  }
}

void exeName(char* out, std::size_t size) {
  char exe[4096];
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  exe[n > 0 ? n : 0] = '\0';
  const char* slash = std::strrchr(exe, '/');
  std::strncpy(out, slash != nullptr ? slash + 1 : exe, size - 1);
  out[size - 1] = '\0';
}

}  // namespace

void loadConfig() noexcept {
  const char* output = getenv("MEMPROF_OUTPUT");
  if (output == nullptr || output[0] == '\0') output = "./%e.%p.mprof";
  makeAbsolute(output, g_config.output, sizeof g_config.output);
  g_config.outputIsExact = std::strstr(g_config.output, "%p") == nullptr;
  if (g_config.outputIsExact) {
    // Descendants write next to the main log, named after themselves.
    std::strcpy(g_config.descendantOutput, g_config.output);
    char* slash = std::strrchr(g_config.descendantOutput, '/');
    char* tail = slash != nullptr ? slash + 1 : g_config.descendantOutput;
    const std::size_t room = sizeof g_config.descendantOutput -
                             static_cast<std::size_t>(tail - g_config.descendantOutput);
    std::strncpy(tail, "%e.%p.mprof", room - 1);
  } else {
    std::strcpy(g_config.descendantOutput, g_config.output);
  }
  if (const char* hz = getenv("MEMPROF_SAMPLE_HZ"); hz != nullptr && hz[0] != '\0') {
    const long v = std::strtol(hz, nullptr, 10);
    // Capped at 10 kHz: a sample (signal + unwind) costs tens of microseconds in deep stacks,
    // and a period shorter than that would leave the program no time to run.
    g_config.sampleHz = v < 0 ? 0U : (v > 10000 ? 10000U : static_cast<unsigned>(v));
  }
  if (const char* follow = getenv("MEMPROF_FOLLOW"); follow != nullptr) {
    g_config.follow = !(follow[0] == '0' || std::strcmp(follow, "no") == 0);
  }
  if (const char* level = getenv("MEMPROF_ZSTD_LEVEL"); level != nullptr && level[0] != '\0') {
    const long v = std::strtol(level, nullptr, 10);
    g_config.zstdLevel = v < 1 ? 1 : (v > 19 ? 19 : static_cast<int>(v));
  }
  if (const char* sampler = getenv("MEMPROF_SAMPLER");
      sampler != nullptr && std::strcmp(sampler, "signal") == 0) {
    g_config.ringSampler = false;
  }
  if (const char* res = getenv("MEMPROF_TIME_RESOLUTION_US"); res != nullptr && res[0] != '\0') {
    long v = std::strtol(res, nullptr, 10);
    v = v < 1 ? 1 : (v > 1024 ? 1024 : v);
    std::uint64_t pow2 = 1;
    while (pow2 * 2 <= static_cast<std::uint64_t>(v)) pow2 *= 2;  // round down to a power of two
    g_config.timeResolutionMask = ~(pow2 - 1);
  }
  if (const char* columns = getenv("MEMPROF_LOG_COLUMNS"); columns != nullptr) {
    g_config.logColumns = columns[0] != '0';
  }
  if (const char* copy = getenv("MEMPROF_STACK_COPY"); copy != nullptr && copy[0] != '\0') {
    const long v = std::strtol(copy, nullptr, 10);
    // The kernel takes at most 65528 bytes and wants a multiple of 8.
    const long clamped = v < 1024 ? 1024 : (v > 65528 ? 65528 : v);
    g_config.stackCopyBytes = static_cast<std::uint32_t>(clamped & ~7L);
  }
  if (const char* unwinder = getenv("MEMPROF_UNWINDER"); unwinder != nullptr) {
    if (std::strcmp(unwinder, "fast") == 0) g_config.unwinder = UnwinderMode::Fast;
    if (std::strcmp(unwinder, "libunwind") == 0) g_config.unwinder = UnwinderMode::Libunwind;
    if (std::strcmp(unwinder, "verify") == 0) g_config.unwinder = UnwinderMode::Verify;
  }
  if (const char* clock = getenv("MEMPROF_CLOCK");
      clock != nullptr && std::strcmp(clock, "wall") == 0) {
    std::strcpy(g_config.clock, "wall");
  }
}

bool expandOutputPath(const char* pattern, char* out, std::size_t size) noexcept {
  std::size_t at = 0;
  out[0] = '\0';
  for (const char* p = pattern; *p != '\0'; ++p) {
    if (p[0] == '%' && p[1] == 'p') {
      char digits[24];
      int n = 0;
      for (long v = getpid(); v > 0; v /= 10) digits[n++] = static_cast<char>('0' + v % 10);
      char rev[24];
      for (int i = 0; i < n; ++i) rev[i] = digits[n - 1 - i];
      if (!append(out, size, &at, rev, static_cast<std::size_t>(n))) return false;
      ++p;
    } else if (p[0] == '%' && p[1] == 'e') {
      char name[256];
      exeName(name, sizeof name);
      if (!append(out, size, &at, name, std::strlen(name))) return false;
      ++p;
    } else if (!append(out, size, &at, p, 1)) {
      return false;
    }
  }
  return true;
}

namespace {

/// Sets NAME=VALUE by rewriting the process's environ array in place, never through
/// setenv(): programs may define their own setenv/unsetenv (bash does, over its shell
/// variables, and ignores calls made before its main), and the preload's constructor runs
/// before any of that is ready. @p storage must outlive the process image (a static buffer).
/// A null @p value removes the entry. Does nothing when NAME is not in the environment.
void rewriteEnvironEntry(const char* name, const char* value, char* storage,
                         std::size_t storageSize) noexcept {
  if (environ == nullptr) return;
  const std::size_t nameLength = std::strlen(name);
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (std::strncmp(*entry, name, nameLength) != 0 || (*entry)[nameLength] != '=') continue;
    if (value == nullptr) {
      for (char** rest = entry; *rest != nullptr; ++rest) rest[0] = rest[1];
      return;
    }
    std::size_t at = 0;
    storage[0] = '\0';
    if (!append(storage, storageSize, &at, name, nameLength) ||
        !append(storage, storageSize, &at, "=", 1) ||
        !append(storage, storageSize, &at, value, std::strlen(value))) {
      return;
    }
    *entry = storage;
    return;
  }
}

char s_outputEntry[sizeof(Config::descendantOutput) + 32];
char s_preloadEntry[4096 + 32];

}  // namespace

void publishDescendantEnvironment() noexcept {
  if (g_config.outputIsExact) {
    rewriteEnvironEntry("MEMPROF_OUTPUT", g_config.descendantOutput, s_outputEntry,
                        sizeof s_outputEntry);
  }
  if (g_config.follow) return;
  // Not following: exec'd programs must not load us. Remove our entry from LD_PRELOAD.
  const char* preload = getenv("LD_PRELOAD");
  if (preload == nullptr) return;
  char kept[4096];
  std::size_t at = 0;
  kept[0] = '\0';
  const char* p = preload;
  while (*p != '\0') {
    while (*p == ' ' || *p == ':') ++p;
    const char* start = p;
    while (*p != '\0' && *p != ' ' && *p != ':') ++p;
    const std::size_t n = static_cast<std::size_t>(p - start);
    if (n == 0) break;
    const bool ours = n >= 13 && std::strncmp(p - 13, "libmemprof.so", 13) == 0;
    if (!ours) {
      if (at > 0) append(kept, sizeof kept, &at, ":", 1);
      append(kept, sizeof kept, &at, start, n);
    }
  }
  rewriteEnvironEntry("LD_PRELOAD", at == 0 ? nullptr : kept, s_preloadEntry,
                      sizeof s_preloadEntry);
}

}  // namespace memprof::preload
