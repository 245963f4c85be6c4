/* SPDX-License-Identifier: MIT
 * cpu_split.c [N] — one function whose CPU time splits 80/20 between two lines of plain
 * arithmetic: a loop of 4*N iterations on one line, a loop of N identical iterations on the
 * next (default N = 200,000,000, about 1 s of CPU at -O0). For the program-counter sampler's
 * attribution of self.samples to lines. Makes no heap calls of its own.
 *   @split80   the loop with 4*N iterations
 *   @split20   the loop with N iterations
 */
#include "mpt_util.h"

static volatile unsigned long acc_a;
static volatile unsigned long acc_b;

__attribute__((noinline)) static void split_work(long n) {
  for (long i = 0; i < 4 * n; i++) acc_a += (unsigned long)i * 2654435761UL ^ (acc_a >> 3); /* @split80 */
  for (long i = 0; i < n; i++) acc_b += (unsigned long)i * 2654435761UL ^ (acc_b >> 3); /* @split20 */
}

int main(int argc, char **argv) {
  long n = argc > 1 ? mpt_parse(argv[1], -1) : 200000000L;
  if (n < 0) return 2;
  split_work(n);
  return 0;
}
