/* SPDX-License-Identifier: MIT
 * @brief One block of each leak kind, at tagged lines; argv[1] picks which (default: all).
 *
 *   definite   @lost100          100 B, nothing points to it
 *   indirect   @outer64          64 B lost (definite), holds the only pointer to
 *              @inner48          48 B (indirect)
 *   possible   @interior256      256 B, only a global pointing 40 bytes into it (possible)
 *   reachable  @global128        128 B held by a global (reachable)
 *   cycle      @cycle32 x3       three 32 B blocks pointing at each other in a ring, lost:
 *                                one definite, two indirect
 * argv[2] = "_exit": leave through _exit(0) instead of returning from main.
 * argv[2] = "child": the blocks are made in a forked child (which returns from its own
 *           main path with exit(0)); the parent waits for it and leaks nothing.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lc_util.h"

struct node {
  struct node *next;
  char pad[24];
};

void *g_held;            /* keeps @global128 reachable */
char *g_interior;        /* points into @interior256: possibly lost */

__attribute__((noinline)) static void make_definite(void) {
  lc_sink(malloc(100)); /* @lost100 */
}

__attribute__((noinline)) static void make_inner(void **slot) {
  *slot = malloc(48); /* @inner48 */
}

__attribute__((noinline)) static void make_indirect(void) {
  void **outer = calloc(8, 8); /* @outer64 */
  make_inner(outer);
  lc_sink(outer);
}

__attribute__((noinline)) static void make_possible(void) {
  char *p = calloc(1, 256); /* @interior256 */
  g_interior = p + 40;
}

__attribute__((noinline)) static void make_reachable(void) {
  g_held = malloc(128); /* @global128 */
}

__attribute__((noinline)) static void make_cycle(void) {
  struct node *a = malloc(sizeof *a); /* @cycle32 */
  struct node *b = malloc(sizeof *b); /* @cycle32b */
  struct node *c = malloc(sizeof *c); /* @cycle32c */
  a->next = b;
  b->next = c;
  c->next = a;
  lc_sink(a);
}

static int wants(const char *what, const char *mode) { return strcmp(mode, "all") == 0 || strcmp(mode, what) == 0; }

/* One frame between main and the make_* helpers: lc_scrub_stack's frame then starts where
 * this one did, so every slot the helpers used lies inside its zeroed buffer (at -O0 the top
 * 8 bytes of the scrub frame are padding it never writes). */
__attribute__((noinline)) static void make_all(const char *mode) {
  if (wants("definite", mode)) make_definite();
  if (wants("indirect", mode)) make_indirect();
  if (wants("possible", mode)) make_possible();
  if (wants("reachable", mode)) make_reachable();
  if (wants("cycle", mode)) make_cycle();
  lc_sink(NULL);
}

int main(int argc, char **argv) {
  if (argc > 2 && strcmp(argv[2], "child") == 0) {
    const pid_t child = fork();
    if (child < 0) return 10;
    if (child > 0) {
      int status = 0;
      waitpid(child, &status, 0);
      return WIFEXITED(status) ? WEXITSTATUS(status) : 11;
    }
  }
  make_all(argc > 1 ? argv[1] : "all");
  lc_scrub_stack();
  if (argc > 2 && strcmp(argv[2], "_exit") == 0) _exit(0);
  return 0;
}
