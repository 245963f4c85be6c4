/* SPDX-License-Identifier: MIT
 * many_allocs.c [N [PAUSE_MS]] — N (default 20,000,000) malloc(16)/free pairs, then (if
 * PAUSE_MS is given) a pause, so that memprof's writer puts the loop's events in blocks of their
 * own before the end, then one known leak.
 *   @many_loop   N allocations of 16 B, all freed
 *   @many_leak   999 B leaked (definite)
 * Totals: N + 1 allocations, N frees, 16 N + 999 B allocated, 999 B leaked.
 */
#include <stdlib.h>
#include <time.h>

#include "mpt_util.h"

__attribute__((noinline)) static void leak(void) {
  void *l = malloc(999); /* @many_leak */
  mpt_sink(l);
  mpt_sink(NULL);
}

int main(int argc, char **argv) {
  long n = argc > 1 ? mpt_parse(argv[1], -1) : 20000000L;
  if (n < 0) return 2;
  for (long i = 0; i < n; i++) {
    void *p = malloc(16); /* @many_loop */
    mpt_sink(p);
    free(p);
  }
  const long pause_ms = argc > 2 ? mpt_parse(argv[2], -1) : 0;
  if (pause_ms < 0) return 2;
  if (pause_ms > 0) {
    const struct timespec ts = {pause_ms / 1000, (pause_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
  }
  leak();
  mpt_scrub_stack();
  return 0;
}
