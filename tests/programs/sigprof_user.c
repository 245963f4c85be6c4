/* SPDX-License-Identifier: MIT
 * sigprof_user.c [N] — a program that profiles itself: installs its own SIGPROF handler
 * (sigaction, counting signals), starts setitimer(ITIMER_PROF) at 100 Hz, burns CPU
 * (N iterations, default 300,000,000, ~0.5 s), stops the timer and checks that it got at least
 * 20 SIGPROF signals. Prints "sigprof=<count>"; exits 0 if enough arrived, 4 if not, 5 if the
 * handler or the timer could not be set up. A profiler preloaded into it must leave its
 * SIGPROF and its ITIMER_PROF alone. Makes no heap calls of its own.
 *   @burn    the CPU loop
 */
#include <signal.h>
#include <sys/time.h>

#include "mpt_util.h"

static volatile sig_atomic_t g_count;
static volatile unsigned long acc;

static void on_sigprof(int sig) {
  (void)sig;
  g_count++;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? mpt_parse(argv[1], -1) : 300000000L;
  if (n < 0) return 2;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sigprof;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  if (sigaction(SIGPROF, &sa, NULL) != 0) return 5;
  struct itimerval it = {{0, 10000}, {0, 10000}}; /* 100 Hz of process CPU time */
  if (setitimer(ITIMER_PROF, &it, NULL) != 0) return 5;
  unsigned long x = 0;
  for (long i = 0; i < n; i++) x += (unsigned long)i * (unsigned long)i ^ (x >> 3); /* @burn */
  acc = x;
  struct itimerval off = {{0, 0}, {0, 0}};
  setitimer(ITIMER_PROF, &off, NULL);
  long got = g_count;
  mpt_say("sigprof=");
  mpt_say_num(got);
  mpt_say("\n");
  return got >= 20 ? 0 : 4;
}
