/* SPDX-License-Identifier: MIT
 * How much CPU does one sampling mechanism take from the sampled thread? A tight rdtsc loop
 * notices every interruption as a gap; the share of time lost to gaps, with and without a
 * sampler, is the sampler's cost, free of the scheduling noise that blurs whole-run timings.
 *
 *   interrupt_gaps MODE [HZ [SECONDS]]     (gcc -O2 -o interrupt_gaps interrupt_gaps.c)
 *   MODE: none     no sampler: the machine's own interrupts (tick, host)
 *         counter  perf task-clock counter overflowing at HZ, no signal, no ring
 *         signal   the same, signalling the thread (empty handler): memprof's signal backend
 *         ring     the same, writing samples (time) into a perf ring: no signal
 *         stack    ring samples with user registers + an 8 KiB stack copy: memprof's default
 *         cputimer POSIX CPU-time timer + signal (kernel tick limits it to CONFIG_HZ)
 * Prints: gaps per second, mean gap, and "lost", the share of the loop's time spent in gaps.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

static volatile unsigned long hits;
static void on_signal(int s, siginfo_t* i, void* u) {
  (void)s, (void)i, (void)u;
  hits++;
}

static int open_counter(unsigned hz, uint64_t sample_type) {
  struct perf_event_attr at;
  memset(&at, 0, sizeof at);
  at.size = sizeof at;
  at.type = PERF_TYPE_SOFTWARE;
  at.config = PERF_COUNT_SW_TASK_CLOCK;
  at.sample_period = 1000000000ULL / hz;
  at.sample_type = sample_type;
  at.disabled = 1;
  at.exclude_hv = 1;
  at.watermark = 1;
  at.wakeup_watermark = 0xffffffffu;
  if (sample_type & PERF_SAMPLE_REGS_USER) {
    at.sample_regs_user = 0x00ff01ffULL;
    at.sample_stack_user = 8192;
  }
  int fd = (int)syscall(SYS_perf_event_open, &at, 0, -1, -1, 0);
  if (fd < 0) {
    at.exclude_kernel = 1;
    fd = (int)syscall(SYS_perf_event_open, &at, 0, -1, -1, 0);
  }
  if (fd < 0) {
    perror("perf_event_open");
    exit(2);
  }
  return fd;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s none|counter|signal|ring|stack|cputimer [HZ [SECONDS]]\n", argv[0]);
    return 2;
  }
  const char* mode = argv[1];
  const unsigned hz = argc > 2 ? (unsigned)atoi(argv[2]) : 1000;
  const double seconds = argc > 3 ? atof(argv[3]) : 2.0;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_signal;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigaction(SIGRTMAX - 1, &sa, NULL);
  if (!strcmp(mode, "counter") || !strcmp(mode, "signal")) {
    int fd = open_counter(hz, 0);
    if (!strcmp(mode, "signal")) {
      struct f_owner_ex o = {F_OWNER_TID, gettid()};
      fcntl(fd, F_SETFL, O_ASYNC);
      fcntl(fd, F_SETSIG, SIGRTMAX - 1);
      fcntl(fd, F_SETOWN_EX, &o);
    }
    ioctl(fd, PERF_EVENT_IOC_REFRESH, 0x7fffffff);
    ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
  } else if (!strcmp(mode, "ring") || !strcmp(mode, "stack")) {
    uint64_t type = PERF_SAMPLE_TIME;
    if (!strcmp(mode, "stack")) type |= PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER;
    int fd = open_counter(hz, type);
    /* Large enough for the whole run: the point is the sampled thread's cost, not reading. */
    if (mmap(NULL, (1 + 4096) * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED) {
      perror("mmap");
      return 2;
    }
    ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
  } else if (!strcmp(mode, "cputimer")) {
    struct sigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_THREAD_ID;
    ev.sigev_signo = SIGRTMAX - 1;
    ev._sigev_un._tid = gettid();
    timer_t t;
    timer_create(CLOCK_THREAD_CPUTIME_ID, &ev, &t);
    const long ns = 1000000000L / hz;
    struct itimerspec sp = {{ns / 1000000000L, ns % 1000000000L}, {ns / 1000000000L, ns % 1000000000L}};
    timer_settime(t, 0, &sp, NULL);
  } else if (strcmp(mode, "none") != 0) {
    fprintf(stderr, "unknown mode %s\n", mode);
    return 2;
  }
  struct timespec t0s, t1s;
  clock_gettime(CLOCK_MONOTONIC, &t0s);
  const uint64_t t0 = __rdtsc();
  uint64_t prev = t0, gaps = 0, gap_cycles = 0, end = 0;
  /* Calibrate the TSC over the first 100 ms, then run for SECONDS. */
  for (;;) {
    const uint64_t t = __rdtsc();
    if (t - prev > 1500) {  /* > ~0.5 us: the loop itself takes a few ns */
      gaps++;
      gap_cycles += t - prev;
    }
    prev = t;
    if (end == 0 && t - t0 > 100000) {
      clock_gettime(CLOCK_MONOTONIC, &t1s);
      const double dt = (t1s.tv_sec - t0s.tv_sec) + (t1s.tv_nsec - t0s.tv_nsec) / 1e9;
      if (dt >= 0.1) end = t0 + (uint64_t)((t - t0) / dt * seconds);
    }
    if (end != 0 && t >= end) break;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1s);
  const double secs = (t1s.tv_sec - t0s.tv_sec) + (t1s.tv_nsec - t0s.tv_nsec) / 1e9;
  const double ghz = (prev - t0) / secs / 1e9;
  printf("%-8s %5u Hz: %7.0f gaps/s, mean gap %6.2f us, lost %5.2f %%, signals %lu\n", mode, hz,
         gaps / secs, gaps ? gap_cycles / (double)gaps / ghz / 1000 : 0.0,
         100.0 * gap_cycles / (double)(prev - t0), hits);
  return 0;
}
