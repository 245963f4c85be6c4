/* SPDX-License-Identifier: MIT
 * close_fds.c FILE — a daemon-style start: closes every descriptor >= 3 it did not open, then
 * takes the numbers for its own files. memprof's descriptors (the log, the CPU sampler's
 * counters, libunwind's pipe) must survive this without ever touching the program's files.
 *   1. @before_close 100 B (freed at the end); a second thread starts (its own counter fd)
 *      and burns CPU;
 *   2. every fd >= 3 is closed (close_range, or one by one);
 *   3. FILE is opened and dup2()'d onto EVERY number from 3 to the fd limit (at most 1024):
 *      the table is full; @while_full 200 B (leaked) is allocated; the thread exits (memprof
 *      must not close the program's file at its counter's old number); 50 ms pass (several
 *      writer ticks); every one of those numbers must still be open;
 *   4. the numbers >= 8 are closed again; a pipe of the program's own takes two of them;
 *      "0123456789" goes through the pipe and must come back whole;
 *   5. 20 x @loop 1000 B malloc/free pairs, 10 ms apart (writer ticks with the log's number
 *      gone), then @after_close 300 B (leaked), and FILE gets "close_fds ok\n" — and nothing
 *      else: its size must be exactly 13 bytes at the end.
 * Exit status: 0 all well, 3 the pipe lost or gained bytes, 4 FILE was written by someone else,
 * 5 set-up failed, 6 one of the program's descriptors was closed behind its back.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "mpt_util.h"

static volatile unsigned long acc;
static volatile int stop_burning;

static void *burn(void *arg) {
  unsigned long x = 0;
  for (long i = 0; !stop_burning; i++) x += (unsigned long)i * (unsigned long)i ^ (x >> 3);
  acc = x;
  return arg;
}

static void pause_ms(long ms) {
  struct timespec ts = {0, ms * 1000000L};
  nanosleep(&ts, NULL);
}

__attribute__((noinline)) static void make_leak(size_t n) {
  void *p = malloc(n); /* @while_full */
  mpt_sink(p);
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  void *a = malloc(100); /* @before_close */
  mpt_sink(a);
  pthread_t thread;
  if (pthread_create(&thread, NULL, burn, NULL) != 0) return 5;
  pause_ms(30);

  struct rlimit rl;
  int limit = 1024;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)limit) limit = (int)rl.rlim_cur;
#ifdef SYS_close_range
  if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0)
#endif
    for (int fd = 3; fd < limit; fd++) close(fd);

  int f = open(argv[1], O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (f != 3) return 5;
  for (int fd = 4; fd < limit; fd++)
    if (dup2(f, fd) != fd) return 5;
  make_leak(200);
  mpt_sink(NULL);
  mpt_scrub_stack();
  stop_burning = 1;
  pthread_join(thread, NULL);
  pause_ms(50);
  for (int fd = 3; fd < limit; fd++)
    if (fcntl(fd, F_GETFD) == -1) return 6;
  for (int fd = 8; fd < limit; fd++) close(fd);

  int p[2];
  if (pipe(p) != 0) return 5;
  pause_ms(30);
  if (write(p[1], "0123456789", 10) != 10) return 3;
  close(p[1]);
  char buf[32];
  ssize_t got = 0, n;
  while ((n = read(p[0], buf + got, sizeof buf - (size_t)got)) > 0) got += n;
  if (got != 10 || memcmp(buf, "0123456789", 10) != 0) return 3;

  for (int i = 0; i < 20; i++) {
    void *b = malloc(1000); /* @loop */
    mpt_sink(b);
    free(b);
    pause_ms(10);
  }
  void *c = malloc(300); /* @after_close */
  mpt_sink(c);
  free(a);
  struct stat st;
  if (fstat(f, &st) != 0 || st.st_size != 0) return 4;
  if (write(f, "close_fds ok\n", 13) != 13) return 5;
  mpt_say("close_fds ok\n");
  return 0;
}
