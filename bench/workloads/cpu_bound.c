/* CPU-bound workload with almost no allocations, for the sampling-overhead
 * benchmark (bench/sampling_bench.py). Nested arithmetic loops plus a small
 * recursive function; a handful of mallocs at start-up only.
 *
 *   cpu_bound [SCALE]     SCALE = outer iterations (default 150, ~6 s of CPU at -O2 on the 2-core bench box)
 *
 * Prints one checksum line so that a harmed run would be visible. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) static uint64_t fib(unsigned n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

__attribute__((noinline)) static uint64_t mix(uint64_t x, uint64_t i, uint64_t j) {
  x ^= x >> 13;
  x *= 0x9E3779B97F4A7C15ull;
  x += i * 31 + j;
  x ^= x << 7;
  return x;
}

__attribute__((noinline)) static uint64_t inner(uint64_t seed, unsigned n) {
  uint64_t acc = seed;
  for (unsigned i = 0; i < n; i++)
    for (unsigned j = 0; j < n; j++) acc = mix(acc, i, j);
  return acc;
}

__attribute__((noinline)) static double floaty(unsigned n) {
  double s = 0.0;
  for (unsigned k = 1; k <= n; k++) s += 1.0 / ((double)k * (double)k) + (k & 1 ? 1e-9 : -1e-9);
  return s;
}

int main(int argc, char** argv) {
  unsigned scale = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 150;
  uint64_t* buf = malloc(64 * sizeof *buf); /* the only allocations */
  if (!buf) return 1;
  for (unsigned k = 0; k < 64; k++) buf[k] = k;
  uint64_t acc = 0;
  double f = 0.0;
  for (unsigned r = 0; r < scale; r++) {
    acc ^= inner(acc + r, 4000);   /* 16 M mix() calls */
    acc += fib(30);                /* ~2.7 M calls, recursion depth 30 */
    f += floaty(2000000);
    buf[r & 63] ^= acc;
  }
  uint64_t x = 0;
  for (unsigned k = 0; k < 64; k++) x ^= buf[k];
  printf("cpu_bound scale %u checksum %016llx %.9f\n", scale, (unsigned long long)(acc ^ x), f);
  free(buf);
  return 0;
}
