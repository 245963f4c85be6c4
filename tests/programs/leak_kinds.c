/* SPDX-License-Identifier: MIT
 * leak_kinds.c — one block of each leak kind, as memcheck classifies them at exit:
 *   @kind_reachable   malloc(111), pointer kept in a global                  -> reachable
 *   @kind_reach_chain malloc(222), pointed to only by the reachable block    -> reachable
 *   @kind_possible    calloc(1, 333), only an interior pointer (+100) kept   -> possible
 *   @kind_definite    malloc(444), pointer lost                              -> definite
 *   @kind_indirect    malloc(555), pointed to only by the definite block     -> indirect
 * All five are live at exit: totals.leaked_bytes = 1665 in 5 blocks (whatever their kind).
 */
#include <stdlib.h>

#include "mpt_util.h"

static void **g_reachable;
static char *g_interior;

__attribute__((noinline)) static void make_reachable(void) {
  g_reachable = malloc(111); /* @kind_reachable */
  g_reachable[0] = malloc(222); /* @kind_reach_chain */
}

__attribute__((noinline)) static void make_possible(void) {
  char *p = calloc(1, 333); /* @kind_possible */
  g_interior = p + 100;
}

__attribute__((noinline)) static void make_definite(void) {
  void **d = calloc(1, 444); /* @kind_definite */
  d[0] = malloc(555); /* @kind_indirect */
  mpt_sink(d);
  mpt_sink(NULL);
}

int main(void) {
  make_reachable();
  make_possible();
  make_definite();
  mpt_scrub_stack();
  return 0;
}
