/* churn: N malloc/free pairs of random small sizes (8-512 bytes), one thread.
 * A pool of live slots is kept so that blocks have varied lifetimes:
 * each step frees a random slot (if used) and refills it with a new block.
 * Usage: churn [N=10000000]. Prints a checksum (deterministic, fixed seed). */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#define POOL 4096

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static inline uint64_t rng(void) {          /* xorshift64*, fixed seed */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 10000000L;
    static unsigned char *slot[POOL];
    uint64_t sum = 0;
    for (long i = 0; i < n; i++) {
        uint64_t r = rng();
        unsigned idx = (unsigned)(r % POOL);
        size_t sz = 8 + (size_t)((r >> 20) % 505);      /* 8..512 */
        if (slot[idx]) {
            sum += slot[idx][0];
            free(slot[idx]);
        }
        unsigned char *p = malloc(sz);
        if (!p) { perror("malloc"); return 1; }
        p[0] = (unsigned char)i;
        p[sz - 1] = (unsigned char)sz;
        sum += p[sz - 1];
        slot[idx] = p;
    }
    for (unsigned i = 0; i < POOL; i++) free(slot[i]);
    printf("churn n=%ld checksum=%llu\n", n, (unsigned long long)sum);
    return 0;
}
