/* SPDX-License-Identifier: MIT
 * @brief Loses one 77-byte block. */
#include <stdlib.h>

static void *volatile slot;

__attribute__((noinline)) static void lose(void) {
  slot = malloc(77); /* the leak */
  slot = 0;
}

__attribute__((noinline)) static void scrub(void) {
  volatile char buf[16384];
  for (unsigned i = 0; i < sizeof buf; i++) buf[i] = 0;
}

int main(void) {
  lose();
  scrub();
  return 0;
}
