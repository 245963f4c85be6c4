// SPDX-License-Identifier: MIT
/// @brief sigaction/signal: keep the log-flushing handler of fatal signals installed when the
/// program merely re-selects the default action (see interceptSigaction), so a program that
/// resets SIGTERM to SIG_DFL and is then killed still leaves a complete log.
#include <signal.h>

#include <cerrno>

#include "interpose_common.h"

using namespace memprof::preload;

MEMPROF_EXPORT int sigaction(int sig, const struct sigaction* act, struct sigaction* old) {
  ensureResolved();
  return interceptSigaction(sig, act, old);
}

namespace {

/// glibc's signal(): BSD semantics (SA_RESTART, the signal blocked in its own handler).
sighandler_t bsdSignal(int sig, sighandler_t handler) {
  struct sigaction act {
  }, old{};
  act.sa_handler = handler;
  sigemptyset(&act.sa_mask);
  if (sig > 0 && sig < 65) sigaddset(&act.sa_mask, sig);
  act.sa_flags = SA_RESTART;
  if (interceptSigaction(sig, &act, &old) < 0) return SIG_ERR;
  return old.sa_handler;
}

}  // namespace

/// sigprocmask: only to spare the sampler's unwinding two syscalls per frame. libunwind blocks
/// every signal around each look-up of its unwind-rule cache and memory pool; the threads that
/// unwind sample copies (memprof's writer, whose signals are all blocked anyway, and a thread
/// collecting the last samples at exit) never unwind from a signal handler, so for them the
/// mask change is skipped (t_quietSigmask). Every other call goes to the real function.
MEMPROF_EXPORT int sigprocmask(int how, const sigset_t* set, sigset_t* old) {
  if (t_quietSigmask) {
    if (old != nullptr) sigfillset(old);
    return 0;
  }
  ensureResolved();
  if (g_real.sigprocmask == nullptr) {
    errno = ENOSYS;
    return -1;
  }
  return g_real.sigprocmask(how, set, old);
}

MEMPROF_EXPORT sighandler_t signal(int sig, sighandler_t handler) {
  ensureResolved();
  return bsdSignal(sig, handler);
}

MEMPROF_EXPORT sighandler_t bsd_signal(int sig, sighandler_t handler) {
  ensureResolved();
  return bsdSignal(sig, handler);
}
