// SPDX-License-Identifier: MIT
/// @brief Periodic draining, RSS sampling and module polling.
#include "writer_thread.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "clock.h"
#include "log_sink.h"
#include "memprof/format/encoder.h"
#include "module_map.h"
#include "recorder.h"
#include "ring_sampler.h"
#include "thread_state.h"

namespace memprof::preload {

constinit std::atomic<bool> g_processEnding{false};

namespace {

constinit pthread_t s_writer{};
constinit bool s_haveWriter = false;
constexpr long kTickNs = 10'000'000;  // 10 ms: bounds what a SIGKILL can lose

std::uint64_t readRssBytes(int fd) {
  char buf[128];
  const ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return 0;
  buf[n] = '\0';
  const char* p = buf;
  while (*p != '\0' && *p != ' ') ++p;  // skip "size"
  std::uint64_t pages = 0;
  while (*p == ' ') ++p;
  while (*p >= '0' && *p <= '9') pages = pages * 10 + static_cast<std::uint64_t>(*p++ - '0');
  return pages * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

/// What the writer reads of a /proc stat file each tick.
struct ProcessStat {
  char state = '?';           ///< the thread's state: 'Z' for a main thread gone by pthread_exit
  unsigned long threads = 0;  ///< threads of the process, ours included
  std::uint64_t rssBytes = 0;
};

/// Opens /proc/thread-self/NAME: the memory figures of /proc/self are those of the main thread,
/// all zero once it called pthread_exit, while every thread sees the same address space.
int openProcFile(const char* threadSelfPath, const char* selfPath) {
  const int fd = open(threadSelfPath, O_RDONLY | O_CLOEXEC);
  return fd >= 0 ? fd : open(selfPath, O_RDONLY | O_CLOEXEC);
}

/// Reads a /proc stat file, opened afresh: the program may close every fd it did not open (a
/// daemon's start-up) and reuse the numbers, so a kept descriptor could end up naming its files.
bool readProcessStat(int fd, ProcessStat* out) {
  if (fd < 0) return false;
  char buf[1024];
  const ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return false;
  buf[n] = '\0';
  const char* p = std::strrchr(buf, ')');  // the command name may hold spaces and parentheses
  if (p == nullptr || p[1] != ' ') return false;
  p += 2;
  out->state = *p;
  // Fields from 3 (state) on; num_threads is field 20, rss (pages) field 24.
  for (int field = 3; field < 24 && *p != '\0'; ++field) {
    while (*p != '\0' && *p != ' ') ++p;
    while (*p == ' ') ++p;
    if (field + 1 == 20 || field + 1 == 24) {
      std::uint64_t v = 0;
      for (const char* q = p; *q >= '0' && *q <= '9'; ++q)
        v = v * 10 + static_cast<std::uint64_t>(*q - '0');
      if (field + 1 == 20) out->threads = static_cast<unsigned long>(v);
      if (field + 1 == 24) out->rssBytes = v * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
    }
  }
  return true;
}

void* writerMain(void*) {
  t_inHook = 1;  // nothing this thread does is the program's doing
  std::uint64_t lastRss = ~std::uint64_t{0};
  pollModules();  // at once, not a tick later: a forked child's log starts without a module map
  while (!logClosed()) {
    const timespec tick{0, kTickNs};
    syscall(SYS_futex, reinterpret_cast<int*>(&g_writerWake), FUTEX_WAIT_PRIVATE, 0, &tick, nullptr,
            0);
    g_writerWake.store(0, std::memory_order_relaxed);
    pollModules();
    recalibrateClock();
    // After the process started to end (exit handlers, the leak scan) RSS is no longer the
    // program's: stop sampling it so duration and peak RSS end at the program's exit.
    ProcessStat stat;
    const bool haveStat =
        !g_processEnding.load(std::memory_order_relaxed) &&
        readProcessStat(openProcFile("/proc/thread-self/stat", "/proc/self/stat"), &stat);
    if (haveStat) {
      const std::uint64_t rss = stat.rssBytes;
      if (rss != 0 && rss != lastRss) {
        std::uint8_t buf[32];
        format::Encoder e(buf, sizeof buf);
        e.type(format::RecordType::Rss).varint(nowUs()).varint(rss);
        writeProcessRecord(e.data(), e.size());
        lastRss = rss;
      }
    }
    collectRingSamples();  // before the drain lock: writing samples may drain their stream
    drainLock();
    for (ThreadState* s = registryHead(); s != nullptr; s = s->next.load()) {
      s->wakeRequested.store(false, std::memory_order_relaxed);
    }
    drainAllLocked();
    flushBlockLocked();
    drainUnlock();
    ProcessStat main;
    if (haveStat && stat.threads == 2 &&
        readProcessStat(open("/proc/self/stat", O_RDONLY | O_CLOEXEC), &main) &&
        main.state == 'Z' && !g_processEnding.load()) {
      // The main thread called pthread_exit and every other thread of the program has ended:
      // only the zombie main thread and this one are left. Without memprof, the last thread's
      // exit would have ended the process with exit(0) (glibc counts threads, this one too):
      // do that here, as the program's, so its exit handlers run and get recorded.
      t_inHook = 0;
      exit(0);
    }
  }
  return nullptr;
}

}  // namespace

double writerCpuSeconds() noexcept {
  clockid_t clock{};
  timespec ts{};
  if (!s_haveWriter || pthread_getcpuclockid(s_writer, &clock) != 0 ||
      clock_gettime(clock, &ts) != 0) {
    return 0;
  }
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

/// VmHWM from /proc/thread-self/status, in bytes (0 if unreadable).
std::uint64_t readPeakRssBytes() {
  const int fd = openProcFile("/proc/thread-self/status", "/proc/self/status");
  if (fd < 0) return 0;
  char buf[4096];
  const ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  const char* p = std::strstr(buf, "VmHWM:");
  if (p == nullptr) return 0;
  p += 6;
  while (*p == ' ' || *p == '\t') ++p;
  std::uint64_t kib = 0;
  while (*p >= '0' && *p <= '9') kib = kib * 10 + static_cast<std::uint64_t>(*p++ - '0');
  return kib * 1024;
}

void recordRssNow() noexcept {
  const int statm = openProcFile("/proc/thread-self/statm", "/proc/self/statm");
  if (statm < 0) return;
  std::uint8_t buf[48];
  format::Encoder e(buf, sizeof buf);
  e.type(format::RecordType::Rss).varint(nowUs()).varint(readRssBytes(statm));
  e.type(format::RecordType::PeakRss).varint(readPeakRssBytes());
  close(statm);
  if (drainTryLockFor(1000)) {
    writeProcessRecordLocked(e.data(), e.size());
    drainUnlock();
  }
}

bool startWriterThread() noexcept {
  sigset_t all;
  sigset_t old;
  sigfillset(&all);
  // The new thread inherits this mask: it must never run the program's signal handlers.
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  // Touched only as used; room for the program's exit handlers, which run on this thread when
  // the main thread called pthread_exit and outlived every other (see writerMain).
  pthread_attr_setstacksize(&attr, 1024 * 1024);
  pthread_t thread;
  const bool ok = pthread_create(&thread, &attr, writerMain, nullptr) == 0;
  pthread_attr_destroy(&attr);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (ok) {
    pthread_setname_np(thread, "memprof-writer");
    s_writer = thread;
    s_haveWriter = true;
  }
  return ok;
}

}  // namespace memprof::preload
