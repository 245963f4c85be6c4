/* SPDX-License-Identifier: MIT
 * realloc_chain.c — realloc / reallocarray counting rules.
 *
 *   @rnull10       realloc(NULL, 10): 1 alloc of 10 B
 *   @rgrow20       realloc(p, 20): frees the 10 B block, 1 alloc of 20 B
 *   @rgrow5000     realloc(p, 5000): frees 20 B, 1 alloc of 5000 B  (the run's heap peak)
 *   @rfail         realloc(p, SIZE_MAX/2) fails: nothing (p stays live)
 *   @rzero         realloc(p, 0): frees the 5000 B block, no allocation
 *   @ranull100     reallocarray(NULL, 4, 25): 1 alloc of 100 B
 *   @ragrow200     reallocarray(q, 8, 25): frees 100 B, 1 alloc of 200 B
 *   @rafail        reallocarray(q, SIZE_MAX/2, 4) overflows: nothing; q freed with free()
 *   @shrinkstart   malloc(4000), then
 *   @shrink8       realloc(s, 8) (glibc shrinks in place, same address): free 4000 + alloc 8
 *   @chainstart    malloc(16)        -> freed by the next realloc
 *   @chain32       realloc(r, 32)    -> freed by the next realloc
 *   @chain64       realloc(r, 64)    -> leaked, 64 B (definite)
 * Totals: 10 allocations, 9 frees, 9450 B allocated, 64 B leaked in 1 block,
 * heap peak 5000 B (5020 B if the analyzer places realloc's allocation before its free).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>

#include "mpt_util.h"

__attribute__((noinline)) static void chain_leak(void) {
  char *r = malloc(16); /* @chainstart */
  mpt_sink(r);
  r = realloc(r, 32); /* @chain32 */
  mpt_sink(r);
  r = realloc(r, 64); /* @chain64 */
  mpt_sink(r);
  mpt_sink(NULL);
}

int main(void) {
  volatile size_t huge = SIZE_MAX / 2;
  char *p = realloc(NULL, 10); /* @rnull10 */
  mpt_sink(p);
  p = realloc(p, 20); /* @rgrow20 */
  mpt_sink(p);
  p = realloc(p, 5000); /* @rgrow5000 */
  mpt_sink(p);
  char *keep_p = mpt_launder(p);
  char *failed = realloc(p, huge); /* @rfail */
  mpt_sink(failed);
  p = keep_p;
  p = realloc(p, 0); /* @rzero */
  mpt_sink(p);

  int *q = reallocarray(NULL, 4, 25); /* @ranull100 */
  mpt_sink(q);
  q = reallocarray(q, 8, 25); /* @ragrow200 */
  mpt_sink(q);
  int *keep_q = mpt_launder(q);
  int *qfail = reallocarray(q, huge, 4); /* @rafail */
  mpt_sink(qfail);
  q = keep_q;
  free(q);

  char *s = malloc(4000); /* @shrinkstart */
  mpt_sink(s);
  s = realloc(s, 8); /* @shrink8 */
  mpt_sink(s);
  free(s);

  chain_leak();
  mpt_sink(NULL);
  mpt_scrub_stack();
  return 0;
}
