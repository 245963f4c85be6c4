/* SPDX-License-Identifier: MIT
 * plugin.c — a dlopen'ed module (built as a shared library with -g). dlopen_host loads it,
 * calls plugin_leak(), and dlcloses it, so the module is unmapped long before the analyzer
 * symbolizes the stacks.
 *   @plugin_leak    4242 B leaked (definite), attributed to this file and line
 *   @plugin_freed   3 x 100 B, freed
 */
#include <stdlib.h>

static void *volatile plugin_slot;

__attribute__((noinline)) static void plugin_churn(void) {
  for (int i = 0; i < 3; i++) {
    void *f = malloc(100); /* @plugin_freed */
    plugin_slot = f;
    free(f);
  }
}

void plugin_leak(void);

void plugin_leak(void) {
  plugin_churn();
  void *l = malloc(4242); /* @plugin_leak */
  plugin_slot = l;
  plugin_slot = NULL;
}
