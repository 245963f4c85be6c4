/* churn2t: N malloc/free pairs of random small sizes (8-512 bytes) over two
 * threads with cross-thread frees. Each thread allocates N/2 blocks and hands
 * them to the other thread through a mutex-protected ring; the receiving
 * thread reads and frees them. So every free happens on the thread that did
 * not allocate the block.
 * Usage: churn2t [N=10000000]. Prints a checksum (deterministic). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <sched.h>

#define RING 1024
#define BATCH 64

struct ring {
    pthread_mutex_t mu;
    void *buf[RING];
    unsigned head, tail;          /* head: next pop, tail: next push */
};

static struct ring rings[2] = {
    { PTHREAD_MUTEX_INITIALIZER, {0}, 0, 0 },
    { PTHREAD_MUTEX_INITIALIZER, {0}, 0, 0 },
};

struct targ { int id; long todo; uint64_t seed; uint64_t sum; };

static inline uint64_t rng(uint64_t *s) {
    *s ^= *s >> 12; *s ^= *s << 25; *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

static void *worker(void *vp) {
    struct targ *a = vp;
    struct ring *out = &rings[a->id], *in = &rings[1 - a->id];
    long made = 0, got = 0;
    void *local[BATCH];
    int npend = 0, first = 0;
    while (made < a->todo || got < a->todo) {
        int progress = 0;
        /* produce a batch (blocks the ring cannot take yet stay pending) */
        if (npend == 0 && made < a->todo) {
            while (npend < BATCH && made + npend < a->todo) {
                uint64_t r = rng(&a->seed);
                size_t sz = 8 + (size_t)(r % 505);
                unsigned char *p = malloc(sz);
                if (!p) { perror("malloc"); exit(1); }
                p[sz - 1] = (unsigned char)sz;
                *(size_t *)p = sz;            /* sz >= 8 */
                local[npend++] = p;
            }
            first = 0;
        }
        if (first < npend) {
            pthread_mutex_lock(&out->mu);
            while (first < npend && out->tail - out->head < RING) {
                out->buf[out->tail % RING] = local[first++];
                out->tail++;
                made++;
                progress = 1;
            }
            pthread_mutex_unlock(&out->mu);
            if (first == npend) npend = first = 0;
        }
        /* consume whatever is there */
        void *take[BATCH]; int t = 0;
        pthread_mutex_lock(&in->mu);
        while (t < BATCH && in->head != in->tail) {
            take[t++] = in->buf[in->head % RING];
            in->head++;
        }
        pthread_mutex_unlock(&in->mu);
        for (int j = 0; j < t; j++) {
            a->sum += *(size_t *)take[j];
            free(take[j]);
        }
        got += t;
        if (t) progress = 1;
        if (!progress) sched_yield();
    }
    return NULL;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 10000000L;
    struct targ a[2] = { {0, n / 2, 0x9E3779B97F4A7C15ull, 0},
                         {1, n / 2, 0xD1B54A32D192ED03ull, 0} };
    pthread_t th[2];
    for (int i = 0; i < 2; i++) pthread_create(&th[i], NULL, worker, &a[i]);
    for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
    printf("churn2t n=%ld checksum=%llu\n", n, (unsigned long long)(a[0].sum + a[1].sum));
    return 0;
}
