// SPDX-License-Identifier: MIT
/// @brief perf_event / POSIX-timer sampling, the async-signal-safe sample handler.
#define UNW_LOCAL_ONLY
#include "cpu_sampler.h"

#include <fcntl.h>
#include <libunwind.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "clock.h"
#include "config.h"
#include "loader_lock_guard.h"
#include "log_sink.h"
#include "memprof/format/encoder.h"
#include "module_map.h"
#include "own_fd.h"
#include "perf_sample_ring.h"
#include "real_functions.h"
#include "recorder.h"
#include "ring_sampler.h"
#include "stack_capture.h"
#include "thread_state.h"
#include "writer_thread.h"

namespace memprof::preload {

namespace {

/// The thread's counter fd when the number still names it: the program may have closed it and
/// put a file of its own there (a daemon closing every fd >= 3), which we must never touch.
int ownSamplingFd(const ThreadState* s) { return ownPerfFd(s->perfFd, s->perfId); }

/// The signal-based backends (the ring backend is ring_sampler.h's).
enum class Backend { None, PerfEvent, PosixTimer };

constinit std::atomic<bool> s_enabled{false};
constinit int s_signal = 0;
constinit Backend s_backend = Backend::None;
constinit bool s_excludeKernel = false;
constinit std::atomic<std::uint64_t> s_samples{0};
constinit std::atomic<std::uint64_t> s_dropped{0};
constinit std::atomic<std::uint32_t> s_timerThreads{0};
constinit std::atomic<std::uint32_t> s_perfThreads{0};
constinit bool s_yielded = false;
/// The sampling signal is chosen and its handler installed only when a thread needs it (the
/// ring backend uses no signal): 0 not yet, 1 being installed, 2 ready, 3 unavailable.
constinit std::atomic<int> s_signalState{0};
/// The achieved rate, measured on threads that ended before the report (and the exiting one):
/// signals they saw against the whole sampling periods their CPU time spanned. A plain
/// samples / process-CPU-seconds would count the partial last period and the unsampled start
/// and end of the process against the sampler: 185 Hz for a 0.07 s run sampled at 200 Hz.
constinit std::atomic<std::uint64_t> s_accountedSignals{0};
constinit std::atomic<std::uint64_t> s_accountedPeriods{0};

constinit std::uintptr_t s_restorer = 0;  ///< the signal trampoline our handler returns to

/// Captures the interrupted thread's stack from the signal context: the first entry is the
/// exact program counter, the rest are return addresses. The fast path is unw_backtrace from
/// the handler itself: libunwind's cached trace walks through the kernel's signal frame, and the
/// interrupted frames follow the trampoline (__restore_rt) entry. That costs a few microseconds
/// where a fresh unw_init_local2 + unw_step walk of the signal context costs tens.
std::size_t captureFromContext(void* ucontext, std::uintptr_t* ips, std::size_t max) {
  const LoaderScope loader;  // libunwind reads the module list
  if (!loader) return 0;     // a fork is being prepared: this sample has no stack
  if (s_restorer != 0) {
    void* raw[kMaxFrames + 32];
    const int n = unw_backtrace(raw, static_cast<int>(kMaxFrames + 32));
    for (int i = 0; i < n; ++i) {
      const auto ip = reinterpret_cast<std::uintptr_t>(raw[i]);
      if (ip < s_restorer || ip >= s_restorer + 16) continue;
      std::size_t depth = 0;
      // The interrupted PC is exact: take it from the context, not the (possibly adjusted) trace.
      const auto* uc = static_cast<ucontext_t*>(ucontext);
      const auto pc = static_cast<std::uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]);
      if (!isSelfAddress(pc)) ips[depth++] = pc;
      for (int j = i + 2; j < n && depth < max; ++j) {
        const auto frame = reinterpret_cast<std::uintptr_t>(raw[j]);
        if (!isSelfAddress(frame)) ips[depth++] = frame;
      }
      return depth;
    }
  }
  unw_cursor_t cursor;
  if (unw_init_local2(&cursor, static_cast<unw_context_t*>(ucontext), UNW_INIT_SIGNAL_FRAME) < 0) {
    return 0;
  }
  std::size_t n = 0;
  do {
    unw_word_t ip = 0;
    if (unw_get_reg(&cursor, UNW_REG_IP, &ip) < 0 || ip == 0) break;
    if (!isSelfAddress(ip)) ips[n++] = ip;
  } while (n < max && unw_step(&cursor) > 0);
  return n;
}

constinit __thread unsigned t_signalsSeen MEMPROF_TLS = 0;
constinit __thread bool t_samplingAccounted MEMPROF_TLS = false;

/// Adds the calling thread's signals and whole CPU-time periods to the rate measurement. Runs on
/// the thread itself (at its exit, or as the process ends), so its counter fd is still its own.
void accountCallingThread(ThreadState* s) {
  if (s == nullptr || t_state != s || t_samplingAccounted) return;
  std::uint64_t cpuNs = 0;
  if (const int fd = ownSamplingFd(s); fd >= 0) {
    std::uint64_t value = 0;  // task-clock: nanoseconds counted since the counter was enabled
    if (read(fd, &value, sizeof value) != static_cast<ssize_t>(sizeof value)) return;
    cpuNs = value;
  } else if (s->hasSamplingTimer) {
    const std::uint64_t now = threadCpuNs();
    cpuNs = now > s->samplingCpuStartNs ? now - s->samplingCpuStartNs : 0;
  } else {
    return;
  }
  t_samplingAccounted = true;
  s_accountedSignals.fetch_add(t_signalsSeen, std::memory_order_relaxed);
  s_accountedPeriods.fetch_add(cpuNs / (1000000000ULL / g_config.sampleHz),
                               std::memory_order_relaxed);
}

void onSampleSignal(int, siginfo_t*, void* ucontext) {
  const int savedErrno = errno;
  ++t_signalsSeen;
  ThreadState* s = t_state;
  if (s == nullptr || t_inHook != 0 || !g_recording.load(std::memory_order_relaxed)) {
    // Inside a hook (the ring is being written) or not recording: count it and move on.
    s_dropped.fetch_add(1, std::memory_order_relaxed);
    errno = savedErrno;
    return;
  }
  ++t_inHook;
  t_inSignal = true;
  std::uintptr_t ips[kMaxFrames];
  const std::size_t depth = captureFromContext(ucontext, ips, kMaxFrames);
  const std::uint32_t stack = internStack(s, ips, depth);
  const std::uint64_t t = nowUs();
  std::uint8_t buf[32];
  format::Encoder e(buf, sizeof buf);
  e.type(format::RecordType::Sample)
      .varint(t >= s->lastSampleTimeUs ? t - s->lastSampleTimeUs : 0)
      .varint(stack)
      .varint(1);
  if (t > s->lastSampleTimeUs) s->lastSampleTimeUs = t;
  pushRecord(e.data(), e.size());
  s_samples.fetch_add(1, std::memory_order_relaxed);
  t_inSignal = false;
  --t_inHook;
  errno = savedErrno;
}

int chooseSignal() {
  // A real-time signal nobody uses; glibc keeps the first few for itself.
  for (int sig = SIGRTMAX - 1; sig > SIGRTMIN + 4; --sig) {
    struct sigaction current {};
    if (g_real.sigaction(sig, nullptr, &current) != 0) continue;
    if ((current.sa_flags & SA_SIGINFO) == 0 && current.sa_handler == SIG_DFL) return sig;
  }
  return 0;
}

int openPerfCounter(unsigned hz, pid_t tid) {
  perf_event_attr attr;
  taskClockAttr(&attr, hz, s_excludeKernel);
  int fd = static_cast<int>(syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC));
  if (fd < 0 && (errno == EACCES || errno == EPERM) && !s_excludeKernel) {
    s_excludeKernel = true;  // perf_event_paranoid 2: user-space time only
    attr.exclude_kernel = 1;
    fd = static_cast<int>(syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC));
  }
  if (fd < 0) return -1;
  fd = moveFdHigh(fd);
  f_owner_ex owner{F_OWNER_TID, tid};
  if (fcntl(fd, F_SETFL, O_ASYNC) != 0 || fcntl(fd, F_SETSIG, s_signal) != 0 ||
      fcntl(fd, F_SETOWN_EX, &owner) != 0 || ioctl(fd, PERF_EVENT_IOC_REFRESH, 0x7fffffff) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool startPosixTimer(ThreadState* s, unsigned hz, clockid_t clock) {
  sigevent event;
  std::memset(&event, 0, sizeof event);
  event.sigev_notify = SIGEV_THREAD_ID;
  event.sigev_signo = s_signal;
  event._sigev_un._tid = s->tid;
  timer_t timer{};
  if (timer_create(clock, &event, &timer) != 0) return false;
  const long ns = static_cast<long>(1000000000ULL / hz);
  const itimerspec spec{{ns / 1000000000L, ns % 1000000000L}, {ns / 1000000000L, ns % 1000000000L}};
  if (timer_settime(timer, 0, &spec, nullptr) != 0) {
    timer_delete(timer);
    return false;
  }
  s->samplingTimer = timer;
  s->hasSamplingTimer = true;
  s->samplingCpuStartNs = threadCpuNs();
  return true;
}

bool wallClock() { return g_config.clock[0] == 'w'; }

bool installSignalHandler() {
  s_signal = chooseSignal();
  if (s_signal == 0) return false;
  struct sigaction act {};
  act.sa_sigaction = onSampleSignal;
  act.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&act.sa_mask);
  if (g_real.sigaction(s_signal, &act, nullptr) != 0) {
    s_signal = 0;
    return false;
  }
  struct sigaction installed {};
  if (g_real.sigaction(s_signal, nullptr, &installed) == 0 && installed.sa_restorer != nullptr) {
    s_restorer = reinterpret_cast<std::uintptr_t>(installed.sa_restorer);
  }
  return true;
}

/// Installs the handler once, for the first thread that samples by signal.
bool ensureSignalHandler() {
  int state = s_signalState.load(std::memory_order_acquire);
  if (state == 0 && s_signalState.compare_exchange_strong(state, 1)) {
    state = installSignalHandler() ? 2 : 3;
    s_signalState.store(state, std::memory_order_release);
  }
  while (state == 1) {
    const timespec pause{0, 100'000};
    nanosleep(&pause, nullptr);
    state = s_signalState.load(std::memory_order_acquire);
  }
  return state == 2;
}

}  // namespace

bool samplingEnabled() noexcept { return s_enabled.load(std::memory_order_relaxed); }
bool wallClockSampling() noexcept { return samplingEnabled() && wallClock(); }
unsigned samplingSignalsSeen() noexcept { return t_signalsSeen; }
bool isSamplingSignal(int sig) noexcept { return s_signal != 0 && sig == s_signal; }

void initCpuSampler() noexcept {
  if (g_config.sampleHz == 0 || g_real.sigaction == nullptr) return;
  s_enabled.store(true);
  ThreadState* s = currentThreadState();
  if (s != nullptr) startThreadSampling(s);
}

void startThreadSampling(ThreadState* s) noexcept {
  if (!samplingEnabled() || s == nullptr || s->perfFd >= 0 || s->hasSamplingTimer) return;
  if (!wallClock() && startRingSampling(s)) return;
  if (s_yielded || !ensureSignalHandler()) return;
  const unsigned hz = g_config.sampleHz;
  if (wallClock()) {
    // Wall-clock sampling: a CLOCK_MONOTONIC timer per thread fires whether the thread runs or
    // waits, so waiting lines get time too (hrtimer based: any rate works).
    if (startPosixTimer(s, hz, CLOCK_MONOTONIC))
      s_timerThreads.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (s_backend != Backend::PosixTimer) {
    const int fd = openPerfCounter(hz, s->tid);
    if (fd >= 0) {
      s->perfFd = fd;
      s->perfId = perfEventId(fd);
      s_backend = Backend::PerfEvent;
      s_perfThreads.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (s_backend == Backend::None) s_backend = Backend::PosixTimer;
  }
  if (startPosixTimer(s, hz, CLOCK_THREAD_CPUTIME_ID)) {
    s_timerThreads.fetch_add(1, std::memory_order_relaxed);
  }
}

void stopThreadSampling(ThreadState* s) noexcept {
  if (s == nullptr) return;
  stopRingSampling(s);
  if (!wallClock()) accountCallingThread(s);
  if (s->perfFd >= 0) {
    if (const int fd = ownSamplingFd(s); fd >= 0) close(fd);
    s->perfFd = -1;
  }
  if (s->hasSamplingTimer) {
    timer_delete(s->samplingTimer);
    s->hasSamplingTimer = false;
  }
}

void pauseSamplingForExec() noexcept {
  if (!samplingEnabled()) return;
  pauseRingSampling();
  if (s_signal == 0) return;
  for (ThreadState* s = registryHead(); s != nullptr; s = s->next.load()) {
    if (const int fd = ownSamplingFd(s); fd >= 0) ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
    if (s->hasSamplingTimer) {
      const itimerspec off{};
      timer_settime(s->samplingTimer, 0, &off, nullptr);
    }
  }
  // SIG_IGN discards signals already pending (process- and thread-directed); then leave the
  // default disposition, as a program without memprof would have, for the new image.
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  g_real.sigaction(s_signal, &ignore, nullptr);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  g_real.sigaction(s_signal, &dfl, nullptr);
}

void resumeSamplingAfterFailedExec() noexcept {
  if (!samplingEnabled()) return;
  resumeRingSampling();
  if (s_signal == 0) return;
  struct sigaction act {};
  act.sa_sigaction = onSampleSignal;
  act.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&act.sa_mask);
  g_real.sigaction(s_signal, &act, nullptr);
  const long ns = static_cast<long>(1000000000ULL / g_config.sampleHz);
  const itimerspec spec{{ns / 1000000000L, ns % 1000000000L}, {ns / 1000000000L, ns % 1000000000L}};
  for (ThreadState* s = registryHead(); s != nullptr; s = s->next.load()) {
    if (const int fd = ownSamplingFd(s); fd >= 0) ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
    if (s->hasSamplingTimer) timer_settime(s->samplingTimer, 0, &spec, nullptr);
  }
}

void yieldSamplingSignal() noexcept {
  // The program wants our signal: stop every signal-based counter we can reach (other threads'
  // timers stop when their threads next sample and see the sampler disabled). Ring sampling
  // uses no signal and goes on.
  s_yielded = true;
  if (ringSamplingStats().threads == 0) s_enabled.store(false);
  for (ThreadState* s = registryHead(); s != nullptr; s = s->next.load()) {
    if (const int fd = ownSamplingFd(s); fd >= 0) ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
    if (s->hasSamplingTimer) {
      const itimerspec off{};
      timer_settime(s->samplingTimer, 0, &off, nullptr);
    }
  }
}

void resetSamplerAfterFork(bool sampleChild) noexcept {
  resetRingSamplingAfterFork();
  for (ThreadState* s = registryHead(); s != nullptr; s = s->next.load()) {
    // the parent's counters: not ours to read
    if (const int fd = ownSamplingFd(s); fd >= 0) close(fd);
    s->perfFd = -1;
    s->hasSamplingTimer = false;  // POSIX timers are not inherited by fork
  }
  s_samples.store(0);
  s_dropped.store(0);
  s_accountedSignals.store(0);
  s_accountedPeriods.store(0);
  t_signalsSeen = 0;
  t_samplingAccounted = false;
  s_perfThreads.store(0);
  s_timerThreads.store(0);
  if (sampleChild && t_state != nullptr) startThreadSampling(t_state);
}

void recordSamplerInfo() noexcept {
  if (g_config.sampleHz == 0) return;
  const RingSamplingStats ring = ringSamplingStats();
  timespec cpu{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
  double seconds = static_cast<double>(cpu.tv_sec) + static_cast<double>(cpu.tv_nsec) / 1e9;
  seconds -= writerCpuSeconds();  // the writer thread is ours and never sampled
  const std::uint64_t taken = s_samples.load() + s_dropped.load() + ring.samples;
  if (wallClock()) {  // the rate of a wall clock is per second of elapsed time, per thread
    const double elapsed = static_cast<double>(nowUs()) / 1e6;
    const double threads = s_timerThreads.load() > 0 ? s_timerThreads.load() : 1.0;
    seconds = elapsed * threads;
  }
  std::uint64_t achieved =
      seconds > 0.001 ? static_cast<std::uint64_t>(static_cast<double>(taken) / seconds + 0.5) : 0;
  if (!wallClock()) {
    accountCallingThread(t_state);
    const std::uint64_t periods = s_accountedPeriods.load() + ring.accountedPeriods;
    if (periods >= 4) {  // enough whole periods to say anything; else keep the coarse estimate
      const double ratio = static_cast<double>(s_accountedSignals.load() + ring.accountedSamples) /
                           static_cast<double>(periods);
      achieved = static_cast<std::uint64_t>(ratio * g_config.sampleHz + 0.5);
    }
  }
  const auto dropped = static_cast<unsigned long long>(s_dropped.load());
  const bool signalThreads = s_perfThreads.load() + s_timerThreads.load() > 0;
  char note[320];
  if (wallClock() && s_signal != 0) {
    std::snprintf(note, sizeof note,
                  "wall-clock timers (CLOCK_MONOTONIC), signal %d, %llu samples dropped inside "
                  "hooks",
                  s_signal, dropped);
  } else if (ring.threads > 0) {
    const double usPerSample = ring.samples > 0 ? static_cast<double>(ring.collectNs) / 1000.0 /
                                                      static_cast<double>(ring.samples)
                                                : 0.0;
    int n = std::snprintf(note, sizeof note,
                          "perf_event task-clock ring buffer%s: %u-byte stack copies unwound "
                          "off-thread (%.1f us of CPU each), %llu samples lost",
                          ring.userTimeOnly ? " (user time only)" : "",
                          static_cast<unsigned>(g_config.stackCopyBytes), usPerSample,
                          static_cast<unsigned long long>(ring.lost));
    if (signalThreads && n > 0 && static_cast<std::size_t>(n) < sizeof note) {
      std::snprintf(note + n, sizeof note - static_cast<std::size_t>(n),
                    "; %u threads by signal %d (no ring: locked-memory limit?)",
                    s_perfThreads.load() + s_timerThreads.load(), s_signal);
    }
  } else if (s_signal == 0) {
    std::snprintf(note, sizeof note, "sampling off: no perf ring and no free real-time signal");
  } else if (s_yielded) {
    std::snprintf(note, sizeof note, "sampling stopped: the program took signal %d", s_signal);
  } else if (s_backend == Backend::PerfEvent && s_timerThreads.load() == 0) {
    std::snprintf(note, sizeof note,
                  "perf_event task-clock%s, signal %d, %llu samples dropped inside hooks",
                  s_excludeKernel ? " (user time only)" : "", s_signal, dropped);
  } else {
    std::snprintf(note, sizeof note,
                  "POSIX thread CPU timers (perf_event_open not permitted): the kernel tick limits "
                  "the rate; signal %d, %llu samples dropped inside hooks",
                  s_signal, dropped);
  }
  std::uint8_t buf[400];
  format::Encoder e(buf, sizeof buf);
  e.type(format::RecordType::SamplerInfo)
      .varint(g_config.sampleHz)
      .varint(achieved)
      .varint(wallClock() ? 1 : 0)
      .string(note);
  writeProcessRecordLocked(e.data(), e.size());
}

}  // namespace memprof::preload
