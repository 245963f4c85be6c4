/* SPDX-License-Identifier: MIT
 * cpu_burn.c [N] — burns CPU on one line (N iterations, default 400,000,000), for the
 * program-counter sampler. Makes no heap calls of its own.
 *   @hot   the whole loop sits on this line
 */
#include "mpt_util.h"

static volatile unsigned long acc;

int main(int argc, char **argv) {
  long n = argc > 1 ? mpt_parse(argv[1], -1) : 400000000L;
  if (n < 0) return 2;
  unsigned long x = 0;
  for (long i = 0; i < n; i++) x += (unsigned long)i * (unsigned long)i ^ (x >> 3); /* @hot */
  acc = x;
  return 0;
}
