/* SPDX-License-Identifier: MIT
 * fork_child.c — parent and child allocate and leak different known amounts.
 * One block is live at the fork (@before_fork, 123 B, freed by the parent after the child
 * ended; the child never touches it). Prints "parent=PID child=PID\n" on stdout (via write(2)).
 *   parent:  @parent_leak   3000 B leaked (definite);  @parent_freed 2 x 500 B freed; exits 0
 *   child:   @child_leak    700 B leaked (definite);   @child_freed  4 x 250 B freed; exit(5)
 * The child's log must be separate: the child's lines never appear in the parent's log and
 * vice versa.
 */
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mpt_util.h"

__attribute__((noinline)) static void child_work(void) {
  for (int i = 0; i < 4; i++) {
    void *f = malloc(250); /* @child_freed */
    mpt_sink(f);
    free(f);
  }
  void *l = malloc(700); /* @child_leak */
  mpt_sink(l);
  mpt_sink(NULL);
}

__attribute__((noinline)) static void parent_work(void) {
  for (int i = 0; i < 2; i++) {
    void *f = malloc(500); /* @parent_freed */
    mpt_sink(f);
    free(f);
  }
  void *l = malloc(3000); /* @parent_leak */
  mpt_sink(l);
  mpt_sink(NULL);
}

int main(void) {
  /* Live at the fork: the child inherits it but its log must not count it (the child's log
   * starts at the fork), and the child's log must still name its own lines. */
  void *before = malloc(123); /* @before_fork */
  mpt_sink(before);
  pid_t child = fork();
  if (child < 0) return 10;
  if (child == 0) {
    child_work();
    mpt_scrub_stack();
    exit(5);
  }
  mpt_say("parent=");
  mpt_say_num((long)getpid());
  mpt_say(" child=");
  mpt_say_num((long)child);
  mpt_say("\n");
  parent_work();
  mpt_scrub_stack();
  int status = 0;
  if (waitpid(child, &status, 0) != child) return 11;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 5) return 12;
  free(before);
  return 0;
}
