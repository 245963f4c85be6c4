/* SPDX-License-Identifier: MIT
 * abort_leak.c — leaks, then dies of SIGABRT.
 *   @abort_leak   512 B, never freed (live when the process died)
 *   @abort_freed  2 x 64 B, freed
 * Expected: the log exists and is analysed; program.signal == 6; `memprof run` exits 134.
 */
#include <stdlib.h>

#include "mpt_util.h"

__attribute__((noinline)) static void work(void) {
  for (int i = 0; i < 2; i++) {
    void *f = malloc(64); /* @abort_freed */
    mpt_sink(f);
    free(f);
  }
  void *l = malloc(512); /* @abort_leak */
  mpt_sink(l);
  mpt_sink(NULL);
}

int main(void) {
  work();
  mpt_scrub_stack();
  abort();
}
