/* SPDX-License-Identifier: MIT
 * plugin2.c — a second dlopen'ed module with the same entry point as plugin.c but a different
 * layout. dlopen_host loads it after plugin.c has been dlclosed, so it usually lands at the same
 * addresses: the same return addresses must resolve to different files and lines depending on
 * which module was loaded when the allocation happened.
 *   @plugin2_leak   2424 B leaked (definite)
 */
#include <stdlib.h>

static void *volatile plugin2_slot;

void plugin_leak(void);

void plugin_leak(void) {
  void *l = malloc(2424); /* @plugin2_leak */
  plugin2_slot = l;
  plugin2_slot = NULL;
}

/* Padding below keeps both modules of a similar size. */
__attribute__((noinline, used)) static int plugin2_pad(int x) {
  int y = x * 3;
  y += 7;
  y ^= 0x55;
  return y;
}
