// Measures the sampler's CPU tax on a busy thread: a fixed amount of arithmetic at the bottom of
// a 24-frame-deep call chain, timed on the thread's own CPU clock (so other load on the machine
// does not count), with sampling at HZ and without, alternately. Built and run by
// scripts/sampler-overhead.sh against Sources/CSampler/sampler.c itself.
#define _GNU_SOURCE
#include "csampler.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double cpu_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

__attribute__((noinline)) static unsigned long burn(unsigned long n) {
    unsigned long x = 0x9e3779b97f4a7c15ul;
    for (unsigned long i = 0; i < n; i++) x = (x ^ (x >> 29)) * 0xbf58476d1ce4e5b9ul + i;
    return x;
}

__attribute__((noinline)) static unsigned long deep(int depth, unsigned long n) {
    if (depth == 0) return burn(n);
    unsigned long r = deep(depth - 1, n);
    __asm__ volatile("" ::: "memory"); // no tail call: keep every frame
    return r + 1;
}

static void ignore(void *c, pid_t t, const char *n, uint64_t ts, uint32_t w, const uintptr_t *f, int d) {
    (void)c; (void)t; (void)n; (void)ts; (void)w; (void)f; (void)d;
}

int main(int argc, char **argv) {
    int hz = argc > 1 ? atoi(argv[1]) : 199;
    int rounds = argc > 2 ? atoi(argv[2]) : 10;
    unsigned long work = 300000000ul; // about 0.3-1 s of CPU per measurement
    sampler_register_thread();
    double off_total = 0, on_total = 0;
    unsigned long sink = 0;
    sampler_counters before = sampler_get_counters();
    for (int r = 0; r < rounds; r++) {
        for (int mode = 0; mode < 2; mode++) {
            int on = (r % 2 == 0) ? mode : 1 - mode;
            if (on) sampler_start(hz);
            double t0 = cpu_seconds();
            sink += deep(24, work);
            double t = cpu_seconds() - t0;
            if (on) { sampler_stop(); sampler_drain(ignore, NULL); on_total += t; } else off_total += t;
        }
    }
    sampler_counters after = sampler_get_counters();
    uint64_t samples = after.samples - before.samples;
    printf("sampler at %d Hz, %d rounds, 24-frame-deep busy loop: off %.3f s, on %.3f s CPU -> %+.2f%% CPU\n",
           hz, rounds, off_total, on_total, (on_total / off_total - 1) * 100);
    printf("%llu samples, %.1f us of handler CPU per sample (%.2f%% of the sampled CPU time)\n",
           (unsigned long long)samples, samples ? (after.handler_ns - before.handler_ns) / 1e3 / samples : 0.0,
           (after.handler_ns - before.handler_ns) / 1e9 / on_total * 100);
    return sink == 42; // keep the work
}
