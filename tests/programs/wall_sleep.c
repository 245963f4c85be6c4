/* SPDX-License-Identifier: MIT
 * wall_sleep.c [SLEEP_MS [BURN_N]] — sleeps SLEEP_MS (default 500) in one function, in
 * nanosleep calls of 50 ms that are NOT resumed when a signal cuts them short (as most programs
 * call sleep/usleep), then burns CPU on one line (BURN_N iterations, default 150,000,000,
 * ~0.2 s). The elapsed time of the sleep is measured with CLOCK_MONOTONIC: the program exits 3
 * if the sleep lasted less than asked (a profiler whose signals cut sleeps short), 0 otherwise.
 * Prints "slept_ms=<elapsed> eintr=<calls cut short>". Makes no heap calls of its own.
 *   @sleep   the nanosleep call
 *   @burn    the CPU loop
 */
#include <errno.h>
#include <time.h>

#include "mpt_util.h"

static volatile unsigned long acc;

static long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long)ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static long g_eintr;

/* Returns the elapsed nanoseconds. */
__attribute__((noinline)) static long do_sleep(long ms) {
  long start = now_ns();
  for (long done = 0; done < ms; done += 50) {
    long chunk = ms - done < 50 ? ms - done : 50;
    struct timespec req = {chunk / 1000, (chunk % 1000) * 1000000L};
    if (nanosleep(&req, NULL) != 0 && errno == EINTR) g_eintr++; /* @sleep */
  }
  return now_ns() - start;
}

__attribute__((noinline)) static void do_burn(long n) {
  unsigned long x = 0;
  for (long i = 0; i < n; i++) x += (unsigned long)i * (unsigned long)i ^ (x >> 3); /* @burn */
  acc = x;
}

int main(int argc, char **argv) {
  long ms = argc > 1 ? mpt_parse(argv[1], -1) : 500;
  long n = argc > 2 ? mpt_parse(argv[2], -1) : 150000000L;
  if (ms < 0 || n < 0) return 2;
  long slept = do_sleep(ms);
  do_burn(n);
  mpt_say("slept_ms=");
  mpt_say_num(slept / 1000000L);
  mpt_say(" eintr=");
  mpt_say_num(g_eintr);
  mpt_say("\n");
  return slept >= ms * 1000000L ? 0 : 3;
}
