/* SPDX-License-Identifier: MIT
 * leaks.c — leaks and frees of exactly known sizes at known lines.
 *
 * Expected (no stdio, so these are the process's only heap calls):
 *   @leak100       1 alloc,  100 B, leaked 100 B (definite)
 *   @leak200x3     N allocs, N*200 B, all leaked (definite); N = argv[1], default 3
 *   @calloc300     calloc(10, 30): 1 alloc, 300 B, leaked (definite)
 *   @leak24discard 1 alloc, 24 B, leaked (definite); the call is the last instruction of its
 *                  line, so the return address belongs to the next line (tests pc-1 lookup)
 *   @leakouter     1 alloc, 64 B, leaked (definite), holds the only pointer to ...
 *   @leakinner     1 alloc, 48 B, leaked (indirect)
 *   @malloc0       malloc(0): 1 alloc of 0 B, freed
 *   @freed1000x5   5 allocs, 5000 B, all freed, one at a time
 *   @freenull      free(NULL): nothing
 *   @failedmalloc  malloc(SIZE_MAX/2) fails: nothing
 *   @failedcalloc  calloc overflow fails: nothing
 *   @call_make_leaks  `total` counts everything make_leaks() allocates: 8 allocs, 1136 B (N=3)
 *   @call_inner       `total`: 1 alloc, 48 B
 * Totals (N=3): 14 allocations, 6 frees, 6136 B allocated, 1136 B leaked in 8 blocks,
 * heap peak 2136 B (all leaks live + one 1000 B block).
 */
#include <stdint.h>
#include <stdlib.h>

#include "mpt_util.h"

struct node {
  void *child;
  char pad[56];
};

__attribute__((noinline)) static void make_inner_leak(struct node *n) {
  n->child = malloc(48); /* @leakinner */
}

__attribute__((noinline)) static void make_leaks(long n200) {
  char *a = malloc(100); /* @leak100 */
  mpt_sink(a);
  for (long i = 0; i < n200; i++) {
    char *b = malloc(200); /* @leak200x3 */
    mpt_sink(b);
  }
  int *c = calloc(10, 30); /* @calloc300 */
  mpt_sink(c);
  malloc(24); /* @leak24discard */
  mpt_sink(NULL);
  struct node *n = malloc(sizeof *n); /* @leakouter */
  make_inner_leak(n); /* @call_inner */
  mpt_sink(n);
  mpt_sink(NULL);
}

__attribute__((noinline)) static void no_ops(void) {
  volatile size_t huge = SIZE_MAX / 2;
  free(NULL); /* @freenull */
  void *f = malloc(huge); /* @failedmalloc */
  mpt_sink(f);
  void *g = calloc(huge, 16); /* @failedcalloc */
  mpt_sink(g);
  mpt_sink(NULL);
}

int main(int argc, char **argv) {
  long n200 = argc > 1 ? mpt_parse(argv[1], 3) : 3;
  make_leaks(n200); /* @call_make_leaks */
  mpt_scrub_stack();
  char *z = malloc(0); /* @malloc0 */
  mpt_sink(z);
  free(z);
  for (int i = 0; i < 5; i++) {
    char *f = malloc(1000); /* @freed1000x5 */
    mpt_sink(f);
    free(f);
  }
  no_ops();
  mpt_sink(NULL);
  mpt_scrub_stack();
  return 0;
}
