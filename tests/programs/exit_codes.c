/* SPDX-License-Identifier: MIT
 * exit_codes.c MODE N — ends the process in different ways after leaking 77 B at @exit_leak.
 *   return N   main returns N
 *   exit N     exit(N) from main
 *   _exit N    _exit(N): no atexit handlers, no destructors
 *   quick N    quick_exit(N): only the at_quick_exit handler runs; it keeps 33 B at
 *              @quick_handler in a global (reachable) and frees 44 B it allocated at @quick_freed
 *   thread N   a second thread calls exit(N) while the main thread is blocked in pthread_join
 *   signal N   kill(getpid(), N) with the default action (the process dies of signal N)
 * Exit status 2 on bad usage.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mpt_util.h"

static int code;

__attribute__((noinline)) static void leak(void) {
  void* l = malloc(77); /* @exit_leak */
  mpt_sink(l);
  mpt_sink(NULL);
}

static void* g_kept;

static void quick_handler(void) {
  void* f = malloc(44); /* @quick_freed */
  mpt_sink(f);
  free(f);
  g_kept = malloc(33); /* @quick_handler */
}

static void* exiting_thread(void* arg) {
  (void)arg;
  exit(code);
}

static int streq(const char* a, const char* b) {
  while (*a != '\0' && *a == *b) {
    a++;
    b++;
  }
  return *a == *b;
}

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  code = (int)mpt_parse(argv[2], -1);
  if (code < 0) return 2;
  leak();
  mpt_scrub_stack();
  if (streq(argv[1], "return")) return code;
  if (streq(argv[1], "exit")) exit(code);
  if (streq(argv[1], "_exit")) _exit(code);
  if (streq(argv[1], "quick")) {
    at_quick_exit(quick_handler);
    quick_exit(code);
  }
  if (streq(argv[1], "thread")) {
    pthread_t t;
    if (pthread_create(&t, NULL, exiting_thread, NULL) != 0) return 3;
    pthread_join(t, NULL);
    return 4; /* not reached: exit() in the thread ends the process */
  }
  if (streq(argv[1], "signal")) {
    signal(code, SIG_DFL);
    kill(getpid(), code);
    for (;;) pause();
  }
  return 2;
}
