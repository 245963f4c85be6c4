/* SPDX-License-Identifier: MIT
 * cpu_threads.c [N] — two threads, each burning CPU on its own tagged line for the same
 * number of iterations (default N = 500,000,000 each, ~0.7 s of CPU each), while main only
 * waits in pthread_join. For the program-counter sampler: every thread is sampled on its own
 * CPU time.
 * (pthread_create allocates thread stacks / TLS; the test does not count allocations here.)
 *   @burn_a   thread A's loop
 *   @burn_b   thread B's loop
 *   @join     main waits here (sleeping, no CPU)
 */
#include <pthread.h>

#include "mpt_util.h"

static volatile unsigned long acc_a;
static volatile unsigned long acc_b;
static long g_n;

static void *burn_a(void *arg) {
  (void)arg;
  for (long i = 0; i < g_n; i++) acc_a += (unsigned long)i * (unsigned long)i ^ (acc_a >> 3); /* @burn_a */
  return NULL;
}

static void *burn_b(void *arg) {
  (void)arg;
  for (long i = 0; i < g_n; i++) acc_b += (unsigned long)i * (unsigned long)i ^ (acc_b >> 5); /* @burn_b */
  return NULL;
}

int main(int argc, char **argv) {
  g_n = argc > 1 ? mpt_parse(argv[1], -1) : 500000000L;
  if (g_n < 0) return 2;
  pthread_t a, b;
  if (pthread_create(&a, NULL, burn_a, NULL) != 0) return 3;
  if (pthread_create(&b, NULL, burn_b, NULL) != 0) return 3;
  if (pthread_join(a, NULL) != 0) return 4; /* @join */
  if (pthread_join(b, NULL) != 0) return 4;
  return 0;
}
