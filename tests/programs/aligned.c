/* SPDX-License-Identifier: MIT
 * aligned.c — the aligned allocation entry points; the size counted is the size asked for
 * (pvalloc's page rounding and alignment padding are not counted).
 *
 *   @pma1000      posix_memalign(&p, 64, 1000)   freed
 *   @aa256        aligned_alloc(128, 256)        leaked (definite)
 *   @memalign300  memalign(32, 300)              freed
 *   @valloc500    valloc(500)                    freed
 *   @pvalloc700   pvalloc(700)                   leaked (definite), counted as 700 B
 *   @pmabad       posix_memalign(&p, 3, 100) -> EINVAL: nothing
 *   @aafail       aligned_alloc(64, SIZE_MAX/2) fails: nothing
 *   @pmafail      posix_memalign(&p, 64, SIZE_MAX/2) -> ENOMEM: nothing
 * Totals: 5 allocations, 3 frees, 2756 B allocated, 956 B leaked in 2 blocks, peak 2756 B.
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>

#include "mpt_util.h"

__attribute__((noinline)) static void leak_aligned(void) {
  void *a = aligned_alloc(128, 256); /* @aa256 */
  mpt_sink(a);
  void *pv = pvalloc(700); /* @pvalloc700 */
  mpt_sink(pv);
  mpt_sink(NULL);
}

int main(void) {
  volatile size_t huge = SIZE_MAX / 2;
  void *p = NULL;
  int rc = posix_memalign(&p, 64, 1000); /* @pma1000 */
  if (rc != 0) return 10;
  mpt_sink(p);
  void *m = memalign(32, 300); /* @memalign300 */
  mpt_sink(m);
  void *v = valloc(500); /* @valloc500 */
  mpt_sink(v);
  leak_aligned();
  mpt_scrub_stack();
  void *bad = NULL;
  rc = posix_memalign(&bad, 3, 100); /* @pmabad */
  if (rc == 0) return 11;
  void *af = aligned_alloc(64, huge); /* @aafail */
  if (af != NULL) return 12;
  rc = posix_memalign(&bad, 64, huge); /* @pmafail */
  if (rc == 0) return 13;
  if (((uintptr_t)p & 63) != 0 || ((uintptr_t)m & 31) != 0) return 14;
  free(p);
  free(m);
  free(v);
  mpt_sink(NULL);
  mpt_scrub_stack();
  return 0;
}
