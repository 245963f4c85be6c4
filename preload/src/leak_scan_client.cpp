// SPDX-License-Identifier: MIT
/// @brief Spawns the out-of-process leak scanner at exit and relays its verdicts into the log.
#define UNW_LOCAL_ONLY
#include "leak_scan_client.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <libunwind.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "clock.h"
#include "internal_memory.h"
#include "loader_lock_guard.h"
#include "log_sink.h"
#include "memprof/format/records.h"
#include "module_map.h"
#include "recorder.h"

namespace memprof::preload {

namespace {

constexpr unsigned kDefaultTimeoutS = 30;
constexpr std::size_t kMaxRanges = 4096;
constexpr std::size_t kPathMax = 4200;
const char kAnchor = 0;  // any object of ours, for dladdr

bool envIs(const char* name, const char* value) {
  const char* v = getenv(name);
  return v != nullptr && std::strcmp(v, value) == 0;
}

unsigned timeoutSeconds() {
  const char* v = getenv("MEMPROF_LEAK_SCAN_TIMEOUT");
  if (v == nullptr || *v < '0' || *v > '9') return kDefaultTimeoutS;
  unsigned s = 0;
  while (*v >= '0' && *v <= '9' && s < 100000) s = s * 10 + static_cast<unsigned>(*v++ - '0');
  return s == 0 ? kDefaultTimeoutS : s;
}

void formatNumber(std::uint64_t v, unsigned base, char* out) {
  char tmp[24];
  int n = 0;
  do {
    const unsigned digit = static_cast<unsigned>(v % base);
    tmp[n++] = static_cast<char>(digit < 10 ? '0' + digit : 'a' + digit - 10);
    v /= base;
  } while (v != 0);
  if (base == 16) {
    *out++ = '0';
    *out++ = 'x';
  }
  while (n > 0) *out++ = tmp[--n];
  *out = '\0';
}

bool copyPath(char* out, const char* a, std::size_t aLen, const char* b) {
  const std::size_t bLen = std::strlen(b);
  if (aLen + bLen + 1 > kPathMax) return false;
  std::memcpy(out, a, aLen);
  std::memcpy(out + aLen, b, bLen + 1);
  return true;
}

/// MEMPROF_SCANNER, else <directory of libmemprof.so>/../bin/memprof; also our load base.
bool findScanner(char* out, std::uintptr_t* selfBase) {
  Dl_info info{};
  if (dladdr(&kAnchor, &info) == 0 || info.dli_fname == nullptr) return false;
  *selfBase = reinterpret_cast<std::uintptr_t>(info.dli_fbase);
  const char* env = getenv("MEMPROF_SCANNER");
  if (env != nullptr && *env != '\0') {
    if (!copyPath(out, env, std::strlen(env), "")) return false;
  } else {
    const char* slash = std::strrchr(info.dli_fname, '/');
    const bool ok = slash == nullptr ? copyPath(out, "../bin/memprof", 14, "")
                                     : copyPath(out, info.dli_fname,
                                                static_cast<std::size_t>(slash - info.dli_fname),
                                                "/../bin/memprof");
    if (!ok) return false;
  }
  return access(out, X_OK) == 0;
}

/// Yama's ptrace_scope 1 lets only ancestors read our memory unless we name the reader.
bool yamaRestricted() {
  const int fd = open("/proc/sys/kernel/yama/ptrace_scope", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char c = '0';
  const bool restricted = read(fd, &c, 1) == 1 && c == '1';
  close(fd);
  return restricted;
}

bool sendAll(int fd, const void* data, std::size_t size) {
  const auto* p = static_cast<const std::uint8_t*>(data);
  while (size > 0) {
    const ssize_t n = send(fd, p, size, MSG_NOSIGNAL);  // never SIGPIPE the program
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

enum class ReadResult { Ok, End, TimedOut };

ReadResult readExact(int fd, std::uint8_t* out, std::size_t size, std::uint64_t deadlineNs) {
  while (size > 0) {
    const std::uint64_t now = monotonicNs();
    if (now >= deadlineNs) return ReadResult::TimedOut;
    pollfd p{fd, POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>((deadlineNs - now) / 1000000 + 1));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return ReadResult::End;
    if (ready == 0) continue;  // the deadline check above decides
    const ssize_t n = recv(fd, out, size, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return ReadResult::End;
    out += n;
    size -= static_cast<std::size_t>(n);
  }
  return ReadResult::Ok;
}

/// Reads verdict frames until the scanner closes its end; each goes into the log at once.
/// Returns false when the deadline passed.
bool relayVerdicts(int fd, std::uint8_t* buffer, std::uint64_t deadlineNs) {
  for (;;) {
    std::uint8_t header[4];
    ReadResult r = readExact(fd, header, sizeof header, deadlineNs);
    if (r != ReadResult::Ok) return r != ReadResult::TimedOut;
    const std::uint32_t length = static_cast<std::uint32_t>(header[0]) | (header[1] << 8) |
                                 (header[2] << 16) | (static_cast<std::uint32_t>(header[3]) << 24);
    if (length == 0 || length > kMaxLeakScanFrame) return true;  // not our scanner: stop
    r = readExact(fd, buffer, length, deadlineNs);
    if (r != ReadResult::Ok) return r != ReadResult::TimedOut;
    if (buffer[0] != static_cast<std::uint8_t>(format::RecordType::LeakKinds)) return true;
    if (drainTryLockFor(2000)) {
      writeProcessRecordLocked(buffer, length);
      drainUnlock();
    }
  }
}

/// The stack pointer of the innermost frame that is the program's (exit() or _exit's caller).
/// The scan starts there: our own frames below it hold only stale words of earlier calls,
/// which could make a lost block look reachable.
std::uintptr_t programStackPointer() {
  const auto fallback = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
  const LoaderScope loader;
  if (!loader) return fallback;
  unw_context_t context;
  unw_cursor_t cursor;
  if (unw_getcontext(&context) != 0 || unw_init_local(&cursor, &context) != 0) return fallback;
  for (int depth = 0; depth < 64; ++depth) {
    unw_word_t ip = 0;
    unw_word_t sp = 0;
    if (unw_get_reg(&cursor, UNW_REG_IP, &ip) != 0 || unw_get_reg(&cursor, UNW_REG_SP, &sp) != 0)
      break;
    if (!isSelfAddress(ip)) return sp;
    if (unw_step(&cursor) <= 0) break;
  }
  return fallback;
}

/// Spawns the scanner with a minimal environment (no LD_PRELOAD: it must not record itself).
pid_t spawnScanner(const char* scanner, const char* log, int fd, std::uintptr_t selfBase) {
  char pid[24], sp[24], base[24], fdText[24];
  formatNumber(static_cast<std::uint64_t>(getpid()), 10, pid);
  formatNumber(programStackPointer(), 16, sp);
  formatNumber(selfBase, 16, base);
  formatNumber(static_cast<std::uint64_t>(fd), 10, fdText);
  const bool verbose = getenv("MEMPROF_LEAK_SCAN_DEBUG") != nullptr;
  const char* argv[] = {scanner,
                        "__leak-scan",
                        "--pid",
                        pid,
                        "--log",
                        log,
                        "--sp",
                        sp,
                        "--self-base",
                        base,
                        "--fd",
                        fdText,
                        verbose ? "--verbose" : nullptr,
                        nullptr};
  const char* envp[] = {"MEMPROF_LEAK_SCAN=0", nullptr};
  posix_spawnattr_t attr;
  if (posix_spawnattr_init(&attr) != 0) return -1;
  sigset_t none;
  sigset_t all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t child = -1;
  const int rc = posix_spawn(&child, scanner, nullptr, &attr, const_cast<char* const*>(argv),
                             const_cast<char* const*>(envp));
  posix_spawnattr_destroy(&attr);
  return rc == 0 ? child : -1;
}

void scanWith(const char* scanner, const char* log, std::uintptr_t selfBase) {
  const std::size_t bufferBytes = kMaxLeakScanFrame + kMaxRanges * sizeof(InternalRange);
  auto* buffer = static_cast<std::uint8_t*>(internalMap(bufferBytes));
  if (buffer == nullptr) return;
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    internalUnmap(buffer, bufferBytes);
    return;
  }
  fcntl(sv[1], F_SETFD, 0);  // the scanner's end survives exec
  // Our child's exit must not reach a SIGCHLD handler of the program, nor be reaped by
  // SIG_IGN/SA_NOCLDWAIT before we can wait for it.
  struct sigaction dfl {
  }, oldChld{};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaction(SIGCHLD, &dfl, &oldChld);
  const pid_t child = spawnScanner(scanner, log, sv[1], selfBase);
  close(sv[1]);
  if (child > 0) {
    const bool ptracer = yamaRestricted() && prctl(PR_SET_PTRACER, child, 0, 0, 0) == 0;
    auto* ranges = reinterpret_cast<InternalRange*>(buffer + kMaxLeakScanFrame);
    const std::size_t n = internalRanges(ranges, kMaxRanges);
    std::uint8_t go[5] = {'G', static_cast<std::uint8_t>(n), static_cast<std::uint8_t>(n >> 8),
                          static_cast<std::uint8_t>(n >> 16), static_cast<std::uint8_t>(n >> 24)};
    bool finished = true;
    if (sendAll(sv[0], go, sizeof go) && sendAll(sv[0], ranges, n * sizeof(InternalRange))) {
      const std::uint64_t deadline =
          monotonicNs() + std::uint64_t{timeoutSeconds()} * 1000000000ULL;
      finished = relayVerdicts(sv[0], buffer, deadline);
    }
    if (!finished) kill(child, SIGKILL);
    close(sv[0]);
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    if (ptracer) prctl(PR_SET_PTRACER, 0, 0, 0, 0);
  } else {
    close(sv[0]);
  }
  sigaction(SIGCHLD, &oldChld, nullptr);
  internalUnmap(buffer, bufferBytes);
}

}  // namespace

void runLeakScan() noexcept {
  static std::atomic<bool> s_ran{false};
  if (envIs("MEMPROF_LEAK_SCAN", "0") || logClosed() || s_ran.exchange(true)) return;
  // The scanner replays the whole log to learn the live set, which costs about as much as
  // analysing it. By default ("auto") only runs with at most kAutoScanEvents heap events are
  // scanned; MEMPROF_LEAK_SCAN=1 (set by `memprof run --leak-check`) always scans.
  constexpr std::uint64_t kAutoScanEvents = 5'000'000;
  if (!envIs("MEMPROF_LEAK_SCAN", "1") && sequenceCount() > kAutoScanEvents) return;
  const int savedErrno = errno;
  // Everything recorded so far must be in the file before the scanner reads it.
  char log[kPathMax];
  log[0] = '\0';
  if (drainTryLockFor(2000)) {
    drainAllLocked();
    flushBlockLocked();
    const char* path = logPathLocked();
    const std::size_t len = std::strlen(path);
    if (len < sizeof log) std::memcpy(log, path, len + 1);
    drainUnlock();
  }
  char scanner[kPathMax];
  std::uintptr_t selfBase = 0;
  if (log[0] != '\0' && findScanner(scanner, &selfBase)) scanWith(scanner, log, selfBase);
  errno = savedErrno;
}

}  // namespace memprof::preload
