/* SPDX-License-Identifier: MIT
 * kill9.c — allocates, says "ready PID\n" on stdout, then sleeps until killed.
 *   @k9_alloc   50 x 1000 B, kept live (pointers in a global array)
 *   @k9_freed   20 x 300 B, freed
 * The test SIGKILLs the process after "ready": the cut-short log must still be analysed
 * (exit 0 from `memprof report`, a warning on stderr) and hold these allocations.
 */
#include <stdlib.h>
#include <unistd.h>

#include "mpt_util.h"

static void *keep[50];

int main(void) {
  for (int i = 0; i < 20; i++) {
    void *f = malloc(300); /* @k9_freed */
    mpt_sink(f);
    free(f);
  }
  for (int i = 0; i < 50; i++) {
    keep[i] = malloc(1000); /* @k9_alloc */
  }
  mpt_say("ready ");
  mpt_say_num((long)getpid());
  mpt_say("\n");
  for (int i = 0; i < 600; i++) sleep(1);
  return 0;
}
