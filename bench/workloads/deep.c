/* deep: allocations made at call depth 30..60 through three mutually
 * recursive noinline functions; the path through them depends on the
 * allocation's index (4096 distinct paths x 31 depths), so the profiler sees
 * many distinct deep stacks. Blocks go into a pool of live slots (as churn).
 * Usage: deep [N=1500000]. Prints a checksum. */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>

#define POOL 4096
static void *slot[POOL];
static uint64_t sum;

#define NOINL __attribute__((noinline, noclone))

static NOINL uint64_t rec_a(int depth, uint32_t path, long i);
static NOINL uint64_t rec_b(int depth, uint32_t path, long i);
static NOINL uint64_t rec_c(int depth, uint32_t path, long i);

static NOINL uint64_t leaf(long i) {
    size_t sz = 16 + (size_t)((i * 2654435761u) % 241);   /* 16..256 */
    unsigned idx = (unsigned)((i * 40503u) % POOL);
    if (slot[idx]) { sum += *(unsigned char *)slot[idx]; free(slot[idx]); }
    unsigned char *p = malloc(sz);
    if (!p) { perror("malloc"); exit(1); }
    p[0] = (unsigned char)sz;
    slot[idx] = p;
    return sz;
}

static inline uint64_t next(int depth, uint32_t path, long i) {
    if (depth == 0) return leaf(i);
    switch (path % 3) {
    case 0:  return rec_a(depth - 1, path / 3 + depth, i);
    case 1:  return rec_b(depth - 1, path / 3 + depth, i);
    default: return rec_c(depth - 1, path / 3 + depth, i);
    }
}
/* the "+ k" after the call keeps the compiler from turning it into a jump */
static NOINL uint64_t rec_a(int d, uint32_t p, long i) { uint64_t r = next(d, p, i); __asm__ volatile("" ::: "memory"); return r + 1; }
static NOINL uint64_t rec_b(int d, uint32_t p, long i) { uint64_t r = next(d, p * 7, i); __asm__ volatile("" ::: "memory"); return r + 2; }
static NOINL uint64_t rec_c(int d, uint32_t p, long i) { uint64_t r = next(d, p * 13, i); __asm__ volatile("" ::: "memory"); return r + 3; }

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1500000L;
    uint64_t acc = 0;
    for (long i = 0; i < n; i++) {
        int depth = 30 + (int)((i * 7) % 31);                  /* 30..60 */
        uint32_t path = (uint32_t)((i % 4096) * 2654435761u);
        acc += rec_a(depth, path, i);
    }
    for (unsigned k = 0; k < POOL; k++) free(slot[k]);
    printf("deep n=%ld checksum=%llu/%llu\n", n, (unsigned long long)acc, (unsigned long long)sum);
    return 0;
}
