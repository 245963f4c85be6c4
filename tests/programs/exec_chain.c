/* SPDX-License-Identifier: MIT
 * exec_chain.c — leaks a known amount, then replaces itself with another program:
 *   exec_chain PROGRAM [ARGS...]   ->  execv(PROGRAM, [PROGRAM, ARGS...])
 *   @exec_leak   1234 B, still live when the image is replaced
 * Prints "pid=PID\n" on stdout before the exec. Exit status 20 if execv fails.
 */
#include <stdlib.h>
#include <unistd.h>

#include "mpt_util.h"

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  void *l = malloc(1234); /* @exec_leak */
  mpt_sink(l);
  mpt_say("pid=");
  mpt_say_num((long)getpid());
  mpt_say("\n");
  execv(argv[1], &argv[1]);
  return 20;
}
