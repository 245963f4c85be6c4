/* SPDX-License-Identifier: MIT
 * Helpers shared by the memprof integration-test programs.
 *
 * Rules the programs follow so that their allocation behaviour is exactly known:
 *  - no stdio (printf & co. allocate a buffer); output goes through write(2) with
 *    hand-made number formatting (mpt_say / mpt_say_num), which never allocates;
 *  - every pointer is handed to mpt_sink(), a noinline function writing a volatile global,
 *    so the compiler can never prove an allocation dead and drop it;
 *  - blocks meant as "definitely lost" leaks are allocated in a helper function whose frame is
 *    gone afterwards, mpt_sink(NULL) clears the global, and mpt_scrub_stack() overwrites the
 *    dead stack area, so that no stale copy of the pointer survives for a leak scanner.
 * Each tagged allocation sits alone on its line, marked with a comment like @leak100 that the
 * test driver greps to find the line number.
 */
#ifndef MPT_UTIL_H
#define MPT_UTIL_H

#include <stddef.h>
#include <string.h>
#include <unistd.h>

#ifdef __cplusplus
#define MPT_EXTERN_C extern "C"
#else
#define MPT_EXTERN_C
#endif

static void *volatile mpt_sink_slot;

__attribute__((noinline, unused)) static void mpt_sink(void *p) { mpt_sink_slot = p; }

/* Returns p through a volatile slot, so the compiler forgets where p came from (keeps GCC's
 * -Wuse-after-free quiet where a failed realloc deliberately leaves the old block valid). */
__attribute__((noinline, unused)) static void *mpt_launder(void *p) {
  mpt_sink_slot = p;
  return mpt_sink_slot;
}

__attribute__((noinline, unused)) static void mpt_scrub_stack(void) {
  volatile char buf[65536];
  for (size_t i = 0; i < sizeof buf; i++) buf[i] = 0;
}

__attribute__((noinline, unused)) static void mpt_say(const char *s) {
  size_t n = 0;
  while (s[n] != '\0') n++;
  while (n > 0) {
    ssize_t w = write(1, s, n);
    if (w <= 0) return;
    s += w;
    n -= (size_t)w;
  }
}

__attribute__((noinline, unused)) static void mpt_say_num(long v) {
  char buf[32];
  int i = (int)sizeof buf - 1;
  int neg = v < 0;
  unsigned long u = neg ? 0UL - (unsigned long)v : (unsigned long)v;
  buf[i] = '\0';
  do {
    buf[--i] = (char)('0' + (u % 10));
    u /= 10;
  } while (u != 0);
  if (neg) buf[--i] = '-';
  mpt_say(&buf[i]);
}

/* Parses a non-negative decimal number without touching the heap (atoi does not allocate,
 * but this keeps the programs independent of libc details). */
__attribute__((noinline, unused)) static long mpt_parse(const char *s, long dflt) {
  long v = 0;
  if (s == NULL || *s == '\0') return dflt;
  for (; *s != '\0'; s++) {
    if (*s < '0' || *s > '9') return dflt;
    v = v * 10 + (*s - '0');
  }
  return v;
}

#endif
