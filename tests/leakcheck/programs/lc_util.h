/* SPDX-License-Identifier: MIT
 * @brief Helpers for the leak-check test programs: no stdio, no stale pointers left behind.
 *
 * Pointers pass through lc_sink() (a noinline store to a volatile global) so the compiler
 * keeps every allocation; lost blocks are made in helper frames that are gone afterwards and
 * lc_scrub_stack() overwrites the dead stack, so no stale copy makes them look reachable.
 */
#ifndef LC_UTIL_H
#define LC_UTIL_H

#include <stddef.h>

static void *volatile lc_sink_slot;

__attribute__((noinline, unused)) static void lc_sink(void *p) { lc_sink_slot = p; }

__attribute__((noinline, unused)) static void lc_scrub_stack(void) {
  volatile char buf[65536];
  for (size_t i = 0; i < sizeof buf; i++) buf[i] = 0;
}

#endif
