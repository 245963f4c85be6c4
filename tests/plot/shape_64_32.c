/* SPDX-License-Identifier: MIT
 * @brief A heap of known shape for the plot tests: 64 MiB allocated and held, freed, then
 * 32 MiB held and freed. No stdio, so these are the program's only large blocks:
 * peak heap 64 MiB (@big64), a second plateau of 32 MiB (@half32), nothing at the end.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MIB (1024L * 1024L)

static void *volatile sink;

static void hold(long ms) {
  struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&t, NULL);
}

int main(void) {
  hold(100);
  char *big = malloc(64 * MIB); /* @big64 */
  if (big == NULL) return 1;
  memset(big, 1, 64 * MIB); /* touched, so RSS follows */
  sink = big;
  hold(300);
  free(big);
  hold(200);
  char *half = malloc(32 * MIB); /* @half32 */
  if (half == NULL) return 1;
  memset(half, 2, 32 * MIB);
  sink = half;
  hold(300);
  free(half);
  sink = NULL;
  hold(100);
  return 0;
}
