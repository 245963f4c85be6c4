/* SPDX-License-Identifier: MIT
 * peak.c — a single, unambiguous heap peak. No stdio before the end, so the program's blocks
 * are the only heap blocks:
 *   @peak10m   malloc(10 MiB), touched (so RSS grows by 10 MiB), then freed
 *   @peak4m    malloc(4 MiB) \  both live together (5 MiB), then freed
 *   @peak1m    malloc(1 MiB) /
 * Expected: peak_heap_bytes == 10485760; at that moment only @peak10m's block is live:
 * peak_bytes 10485760 there and 0 at @peak4m / @peak1m; nothing leaked;
 * peak_rss_bytes >= 10 MiB (the block is touched and held for 0.3 s).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mpt_util.h"

#define MIB (1024L * 1024L)

int main(void) {
  char *a = malloc(10 * MIB); /* @peak10m */
  if (a == NULL) return 10;
  memset(a, 1, 10 * MIB);
  mpt_sink(a);
  /* hold the touched 10 MiB for a moment, so that a periodic RSS sampler sees it */
  struct timespec hold = {0, 300 * 1000 * 1000};
  nanosleep(&hold, NULL);
  free(a);
  char *b = malloc(4 * MIB); /* @peak4m */
  char *c = malloc(1 * MIB); /* @peak1m */
  if (b == NULL || c == NULL) return 11;
  memset(b, 2, 4 * MIB);
  memset(c, 3, 1 * MIB);
  mpt_sink(b);
  mpt_sink(c);
  free(b);
  free(c);
  mpt_sink(NULL);
  return 0;
}
