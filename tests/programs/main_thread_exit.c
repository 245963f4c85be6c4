/* SPDX-License-Identifier: MIT
 * main_thread_exit.c — main() ends with pthread_exit(); the process goes on in a worker and
 * ends, with status 0, when that worker returns (glibc then calls exit(0)).
 *   @main_block   64 B, allocated by main, freed by the worker
 *   @worker_leak  777 B, allocated by the worker after main is gone (leaked)
 *   @atexit_leak  55 B, allocated by an atexit handler, which runs once the last thread ends
 *                 and prints "atexit ran\n" (leaked)
 * memprof's own thread must not keep the process alive once the program's threads are gone.
 */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "mpt_util.h"

static void *volatile shared_block;

static void at_exit_handler(void) {
  void *p = malloc(55); /* @atexit_leak */
  mpt_sink(p);
  mpt_say("atexit ran\n");
}

static void *worker(void *arg) {
  struct timespec ts = {0, 50 * 1000000L};
  nanosleep(&ts, NULL);
  free(shared_block);
  void *p = malloc(777); /* @worker_leak */
  mpt_sink(p);
  return arg;
}

int main(void) {
  if (atexit(at_exit_handler) != 0) return 2;
  shared_block = malloc(64); /* @main_block */
  pthread_t t;
  if (pthread_create(&t, NULL, worker, NULL) != 0) return 3;
  pthread_exit(NULL);
}
