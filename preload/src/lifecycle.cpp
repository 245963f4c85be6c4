// SPDX-License-Identifier: MIT
/// @brief Init stages, atfork, on_exit, destructor, fatal signals, exec and _exit.
#include "lifecycle.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>

#include "clock.h"
#include "config.h"
#include "cpu_sampler.h"
#include "leak_scan_client.h"
#include "loader_lock_guard.h"
#include "log_sink.h"
#include "memprof/format/encoder.h"
#include "module_map.h"
#include "process_info.h"
#include "real_functions.h"
#include "recorder.h"
#include "ring_sampler.h"
#include "stack_capture.h"
#include "stack_trie.h"
#include "thread_state.h"
#include "unwind_check.h"
#include "writer_thread.h"

namespace memprof::preload {

namespace {

enum : int { kNotStarted = 0, kStarting = 1, kStarted = 2 };
std::atomic<int> s_initState{kNotStarted};
std::atomic<bool> s_exitRecorded{false};

// Every signal whose default action ends the process (signal(7)), but the real-time ones (the
// sampler picks its signal among those still at their default) and SIGKILL/SIGSTOP.
constexpr int kFatalSignals[] = {SIGSEGV, SIGBUS,  SIGILL,    SIGFPE,  SIGABRT, SIGTERM,
                                 SIGINT,  SIGHUP,  SIGQUIT,   SIGPIPE, SIGXCPU, SIGXFSZ,
                                 SIGSYS,  SIGTRAP, SIGUSR1,   SIGUSR2, SIGALRM, SIGVTALRM,
                                 SIGPROF, SIGIO,   SIGSTKFLT, SIGPWR};
constexpr int kMaxSignal = 65;
struct sigaction s_programView[kMaxSignal];  // what the program believes is installed
std::atomic<bool> s_ours[kMaxSignal];        // our flush-and-die handler is installed

void stageOneInit() {
  startClock();
  g_pid = getpid();
  loadConfig();
  initSelfRange();
  initStackCapture();
  initThreadRegistry();
  g_recording.store(true, std::memory_order_release);
}

std::size_t encodeExit(std::uint8_t* buf, std::size_t size, format::ExitKind kind, int value) {
  format::Encoder e(buf, size);
  e.type(format::RecordType::Exit)
      .varint(static_cast<std::uint8_t>(kind))
      .varint(static_cast<std::uint64_t>(static_cast<unsigned>(value)))
      .varint(nowUs());
  return e.size();
}

/// Records how the process ends and writes everything out, within @p waitMs for the lock.
void recordEndAndFinalize(format::ExitKind kind, int value, bool reopenable, unsigned waitMs) {
  if (!g_recording.load() || getpid() != g_pid) return;
  ++t_inHook;
  recordRssNow();
  if (!reopenable) g_processEnding.store(true);
  // The rings' last samples (not from a fatal signal's handler: unwinding takes locks).
  if (kind == format::ExitKind::Exited) finishRingSampling();
  if (kind == format::ExitKind::Exec) collectRingSamples();
  if (!s_exitRecorded.exchange(true) || kind != format::ExitKind::Exited) {
    std::uint8_t buf[32];
    const std::size_t n = encodeExit(buf, sizeof buf, kind, value);
    if (drainTryLockFor(waitMs)) {
      recordSamplerInfo();
      writeProcessRecordLocked(buf, n);
      drainUnlock();
    }
  }
  if (kind == format::ExitKind::Exited) runLeakScan();
  finalizeLog(reopenable, waitMs);
  if (g_config.unwinder == UnwinderMode::Verify && kind != format::ExitKind::Signaled) {
    reportUnwindCheck();
  }
  if (!reopenable) g_recording.store(false);
  --t_inHook;
}

void onExit(int status, void*) {
  // Registered from our constructor, which runs inside ld.so's _dl_init before
  // __libc_start_main registers _dl_fini; exit handlers run in reverse order, so this runs after
  // the program's atexit handlers, static destructors and every library destructor: the last
  // moment at which the program can still allocate or free. Write the end of the log here.
  recordEndAndFinalize(format::ExitKind::Exited, status, false, 2000);
}

std::atomic<int> s_quickExitStatus{0};

void onQuickExit() {
  // at_quick_exit handlers run in reverse order of registration: this one, registered from our
  // constructor, runs after the program's own. quick_exit then calls _exit inside libc, which
  // our _exit hook never sees, and no on_exit handler runs: finish the log here.
  recordEndAndFinalize(format::ExitKind::Exited, s_quickExitStatus.load(), false, 2000);
}

void onFatalSignal(int sig, siginfo_t*, void*) {
  const int savedErrno = errno;
  recordEndAndFinalize(format::ExitKind::Signaled, sig, false, 1000);
  // Die exactly as we would have without memprof: default action, same signal.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  if (sig > 0 && sig < kMaxSignal) s_ours[sig].store(false);
  g_real.sigaction(sig, &dfl, nullptr);
  raise(sig);
  errno = savedErrno;
}

void installFatalSignalHandlers() {
  for (const int sig : kFatalSignals) {
    struct sigaction current {};
    if (g_real.sigaction == nullptr || g_real.sigaction(sig, nullptr, &current) != 0) continue;
    // Only where the program would have died anyway: never replace its handlers, never
    // un-ignore a signal ignored at start-up (e.g. SIGPIPE under nohup-like launchers).
    if ((current.sa_flags & SA_SIGINFO) != 0 || current.sa_handler != SIG_DFL) continue;
    struct sigaction ours {};
    ours.sa_sigaction = onFatalSignal;
    ours.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&ours.sa_mask);
    s_programView[sig] = current;
    if (g_real.sigaction(sig, &ours, nullptr) == 0) s_ours[sig].store(true);
  }
}

/// Whether forkPrepare got the sampler's unwind lock (released by forkParent).
bool s_unwindHeldForFork = false;

void forkPrepare() {
  ++t_inHook;
  // First, before any of our locks: a thread inside dl_iterate_phdr may need them to finish.
  closeLoaderGateForFork();
  // Then the unwind lock, before the drain lock (the writer takes them in that order).
  s_unwindHeldForFork = lockUnwindForFork();
  drainLock();
}

void forkParent() {
  drainUnlock();
  unlockUnwindAfterFork(s_unwindHeldForFork);
  openLoaderGateAfterFork();
  --t_inHook;
}

void forkChild() {
  resetLoaderGateInChild();
  startClock();  // the child's times start at its own birth
  g_pid = getpid();
  markForkChild();
  resetLogAfterFork();
  resetModuleLockAfterFork();
  resetSequenceAfterFork();
  resetNodeIds();
  resetUnwindCheckAfterFork();
  s_exitRecorded.store(false);
  g_processEnding.store(false);
  if (!g_config.follow) {
    g_recording.store(false);
    // The child's copies of the parent's perf event fds name the parent's counters: drop them
    // here too, or an exec in the child would pause the parent's sampling.
    resetSamplerAfterFork(false);
  } else {
    resetRegistryAfterFork();
    resetSamplerAfterFork(true);
    startWriterThread();
  }
  --t_inHook;
}

}  // namespace

int interceptSigaction(int sig, const struct sigaction* act, struct sigaction* old) noexcept {
  if (g_real.sigaction == nullptr) {
    errno = ENOSYS;
    return -1;
  }
  if (act != nullptr && isSamplingSignal(sig) && samplingEnabled()) yieldSamplingSignal();
  if (sig <= 0 || sig >= kMaxSignal || !s_ours[sig].load()) return g_real.sigaction(sig, act, old);
  if (old != nullptr) *old = s_programView[sig];
  if (act == nullptr) return 0;
  if ((act->sa_flags & SA_SIGINFO) == 0 && act->sa_handler == SIG_DFL) {
    s_programView[sig] = *act;  // same outcome on delivery (death by sig); keep flushing first
    return 0;
  }
  s_ours[sig].store(false);  // the program handles or ignores it now: step aside
  return g_real.sigaction(sig, act, nullptr);
}

bool lazyInitAndCheck() noexcept {
  if (t_inHook != 0) return false;
  int state = s_initState.load(std::memory_order_acquire);
  if (state == kNotStarted && s_initState.compare_exchange_strong(state, kStarting)) {
    ++t_inHook;
    stageOneInit();
    s_initState.store(kStarted, std::memory_order_release);
    --t_inHook;
  }
  return g_recording.load(std::memory_order_acquire) && !logClosed();
}

void onImmediateExit(int status) noexcept {
  recordEndAndFinalize(format::ExitKind::Exited, status, false, 2000);
}

void noteQuickExit(int status) noexcept { s_quickExitStatus.store(status); }

namespace {

/// A vfork child (posix_spawn's clone, vfork()) runs in our memory with a copy of our fds, so
/// under another pid: the counters, the log and the exit state it sees are the parent's.
bool ownsProcessState() noexcept { return getpid() == g_pid; }

}  // namespace

void beforeExec() noexcept {
  if (!ownsProcessState()) return;
  pauseSamplingForExec();
  recordEndAndFinalize(format::ExitKind::Exec, 0, true, 2000);
}

void afterFailedExec() noexcept {
  if (!ownsProcessState()) return;
  // The program goes on: its real end is still to be recorded (after the Exec record, which
  // readers then see superseded).
  s_exitRecorded.store(false);
  resumeSamplingAfterFailedExec();
}

void afterDlclose() noexcept {
  if (!g_recording.load()) return;
  ReentrancyGuard guard;
  flushStackCaptureCache();
  g_cacheEpoch.fetch_add(1, std::memory_order_acq_rel);
  refreshModules(false);
}

__attribute__((constructor)) static void memprofConstructor() {
  ++t_inHook;
  if (ensureResolved()) {
    --t_inHook;
    lazyInitAndCheck();
    ++t_inHook;
    publishDescendantEnvironment();
    pthread_atfork(forkPrepare, forkParent, forkChild);
    on_exit(onExit, nullptr);
    at_quick_exit(onQuickExit);
    installFatalSignalHandlers();
    initCpuSampler();
    drainLock();
    // Create the file now (before the program can chdir) and write its first block at once,
    // so even a process killed within the first writer tick leaves its identity behind.
    if (ensureLogOpenLocked()) flushBlockLocked();
    drainUnlock();
    startWriterThread();
  }
  --t_inHook;
}

// No destructor: it would run in _dl_fini, before the library destructors that still free
// memory and before onExit (see there). The log is finished by onExit, onQuickExit, _exit or a
// fatal signal.

}  // namespace memprof::preload
