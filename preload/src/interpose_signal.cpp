// SPDX-License-Identifier: MIT
/// @brief sigaction/signal: keep the log-flushing handler of fatal signals installed when the
/// program merely re-selects the default action (see interceptSigaction), so a program that
/// resets SIGTERM to SIG_DFL and is then killed still leaves a complete log.
#include <signal.h>

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

MEMPROF_EXPORT sighandler_t signal(int sig, sighandler_t handler) {
  ensureResolved();
  return bsdSignal(sig, handler);
}

MEMPROF_EXPORT sighandler_t bsd_signal(int sig, sighandler_t handler) {
  ensureResolved();
  return bsdSignal(sig, handler);
}
