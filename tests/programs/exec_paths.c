/* SPDX-License-Identifier: MIT
 * exec_paths.c MODE [PROGRAM] — exec calls that must not disturb the recording of the caller.
 *   exec_paths failexec       an execv of a missing file fails; the program goes on:
 *       @before_exec  100 B, freed after the failed exec
 *       @after_exec   200 B, leaked (allocated after the failed exec)
 *     then exits with status 7 (the report's exit_code must say 7, not "replaced by exec").
 *   exec_paths vfork PROGRAM  vfork(); the child execs PROGRAM (exit 20 if that fails); the
 *     parent waits, then burns CPU on @vfork_hot (300,000,000 iterations).
 *   exec_paths fork PROGRAM   the same with fork() (with --no-follow the child is not recorded).
 *     Exits with the child's exit status + 10 if it was not 0. Makes no heap calls.
 * A child's exec must leave the parent's CPU sampling running: samples land on @vfork_hot.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mpt_util.h"

static volatile unsigned long acc;

static int run_child(int use_vfork, char* program) {
  char* argv[] = {program, NULL};
  pid_t pid = use_vfork ? vfork() : fork();
  if (pid < 0) return 30;
  if (pid == 0) {
    execv(program, argv);
    _exit(20);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return 31;
  if (WEXITSTATUS(status) != 0) return 10 + WEXITSTATUS(status);
  unsigned long x = 0;
  for (long i = 0; i < 300000000L; i++)
    x += (unsigned long)i * (unsigned long)i ^ (x >> 3); /* @vfork_hot */
  acc = x;
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  if (strcmp(argv[1], "failexec") == 0) {
    void* a = malloc(100); /* @before_exec */
    mpt_sink(a);
    char* args[] = {"/nonexistent/memprof-test-program", NULL};
    execv(args[0], args);
    void* b = malloc(200); /* @after_exec */
    mpt_sink(b);
    free(a);
    return 7;
  }
  if (argc < 3) return 2;
  if (strcmp(argv[1], "vfork") == 0) return run_child(1, argv[2]);
  if (strcmp(argv[1], "fork") == 0) return run_child(0, argv[2]);
  return 2;
}
