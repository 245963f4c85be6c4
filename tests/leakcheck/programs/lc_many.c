/* SPDX-License-Identifier: MIT
 * @brief argv[1] (default 1000000) small blocks kept live to the end, reachable through a
 * global array, plus argv[2] (default 0) leaked ones: the scan's cost on a big heap.
 */
#include <stdlib.h>

#include "lc_util.h"

void **g_blocks;

__attribute__((noinline)) static void leak_some(long n) {
  for (long i = 0; i < n; i++) lc_sink(malloc(24)); /* @manyleak */
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000000;
  long lost = argc > 2 ? atol(argv[2]) : 0;
  g_blocks = malloc((size_t)n * sizeof *g_blocks); /* @array */
  for (long i = 0; i < n; i++) g_blocks[i] = malloc(32); /* @many */
  leak_some(lost);
  lc_sink(NULL);
  lc_scrub_stack();
  return 0;
}
