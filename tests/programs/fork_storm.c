/* SPDX-License-Identifier: MIT
 * fork_storm.c — fork_storm N
 * Forks N children, one after the other, while a second thread keeps memprof walking the
 * loader's module list: it dlopen()s (RTLD_NOLOAD) and dlclose()s libc, which makes memprof
 * flush its unwind caches and take a new module snapshot, then allocates, so every round
 * re-derives frame rules through dl_iterate_phdr. Each child does the same once (a dlclose,
 * an allocation) and exits 0. A fork taken while memprof was inside dl_iterate_phdr left the
 * child's loader lock held by a thread the child does not have: the child hung forever.
 * Prints "children ok N\n"; exits 0 when every child exited 0, 1 otherwise.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mpt_util.h"

static atomic_int stop_churn;

__attribute__((noinline)) static void touch_loader(void) {
  void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
  if (libc != NULL) dlclose(libc);
  void *p = malloc(24); /* @storm_alloc */
  mpt_sink(p);
  free(p);
}

static void *churn(void *arg) {
  (void)arg;
  while (!atomic_load(&stop_churn)) touch_loader();
  return NULL;
}

int main(int argc, char **argv) {
  const int n = argc > 1 ? atoi(argv[1]) : 100;
  pthread_t churner;
  if (pthread_create(&churner, NULL, churn, NULL) != 0) return 2;
  int ok = 0;
  for (int i = 0; i < n; i++) {
    const pid_t child = fork();
    if (child < 0) break;
    if (child == 0) {
      touch_loader();
      exit(0);
    }
    int status = 0;
    if (waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0) ok++;
  }
  atomic_store(&stop_churn, 1);
  pthread_join(churner, NULL);
  mpt_say("children ok ");
  mpt_say_num(ok);
  mpt_say("\n");
  return ok == n ? 0 : 1;
}
