// SIGPROF sampler: per-thread CPU-time timers, async-signal-safe capture into per-thread rings.
#define _GNU_SOURCE
#include "csampler.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>
#define UNW_LOCAL_ONLY
#include <libunwind.h>

// 256 KiB per thread: about 700 samples of 40 frames, seconds of slack at 199 Hz for a drainer
// that runs every 100 ms.
#define DEFAULT_RING_WORDS (1u << 15)
#define HEADER_WORDS 2

enum { SLOT_FREE = 0, SLOT_ACTIVE = 1, SLOT_RETIRED = 2 };

typedef struct {
    _Atomic int state;
    _Atomic pid_t tid;
    timer_t timer;
    char name[SAMPLER_NAME_LENGTH];
    uint64_t *ring;
    uint64_t ring_words; // a power of two
    _Atomic uint64_t head; // advanced by the signal handler only (single producer)
    _Atomic uint64_t tail; // advanced by the drainer only (single consumer, under registry_lock)
} slot_t;

static slot_t slots[SAMPLER_MAX_THREADS];
// Guards registration, start/stop and draining; never taken in the handler.
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t init_once_control = PTHREAD_ONCE_INIT;
static pthread_key_t exit_key;
static _Atomic int running;
static long interval_ns;
static uint64_t ring_words_for_new = DEFAULT_RING_WORDS;
static __thread slot_t *current_slot; // read and written outside the handler only

static _Atomic uint64_t total_samples, total_dropped, total_truncated, total_handler_ns;

static pid_t current_tid(void) { return (pid_t)syscall(SYS_gettid); }

static uint64_t clock_ns(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts); // async-signal-safe
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

// MARK: - The signal handler

// libunwind is opened with dlopen(RTLD_LOCAL) rather than linked: linking libunwind.so would also
// put its own _Unwind_* functions ahead of libgcc_s's in the global scope, and every C++ throw in
// the process (libstdc++, the Swift runtime) would go through them. Opened locally, its symbols
// serve the sampler alone. The functions are looked up once, outside any handler.
typedef int (*unw_init_local2_fn)(unw_cursor_t *, unw_context_t *, int);
typedef int (*unw_init_local_fn)(unw_cursor_t *, unw_context_t *);
typedef int (*unw_step_fn)(unw_cursor_t *);
typedef int (*unw_get_reg_fn)(unw_cursor_t *, unw_regnum_t, unw_word_t *);
typedef int (*unw_set_caching_policy_fn)(unw_addr_space_t, unw_caching_policy_t);
typedef int (*unw_backtrace_fn)(void **, int);
static struct {
    unw_backtrace_fn backtrace;
    unw_init_local2_fn init_local2;
    unw_init_local_fn init_local;
    unw_step_fn step;
    unw_get_reg_fn get_reg;
} unwinder;
static int unwinder_status = ENOSYS;

static void load_unwinder(void) {
    void *library = dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) return;
    unwinder.backtrace = (unw_backtrace_fn)dlsym(library, "unw_backtrace");
    unwinder.init_local2 = (unw_init_local2_fn)dlsym(library, "_ULx86_64_init_local2");
    unwinder.init_local = (unw_init_local_fn)dlsym(library, "_ULx86_64_init_local");
    unwinder.step = (unw_step_fn)dlsym(library, "_ULx86_64_step");
    unwinder.get_reg = (unw_get_reg_fn)dlsym(library, "_ULx86_64_get_reg");
    unw_set_caching_policy_fn set_caching_policy = (unw_set_caching_policy_fn)dlsym(library, "_ULx86_64_set_caching_policy");
    unw_addr_space_t *local_space = (unw_addr_space_t *)dlsym(library, "_ULx86_64_local_addr_space");
    if (!unwinder.backtrace || !unwinder.init_local2 || !unwinder.init_local || !unwinder.step || !unwinder.get_reg) return;
    // A per-thread cache of unwind rules: no lock shared between threads' handlers.
    if (set_caching_policy && local_space) set_caching_policy(*local_space, UNW_CACHE_PER_THREAD);
    unwinder_status = 0;
}

// Walks the interrupted stack with libunwind, which reads DWARF CFI (.eh_frame): Swift -O code
// (no frame pointers on Linux), Debian's libc and libuv all have it. Where a function has none
// (the Swift runtime's small metadata helpers, built with frame pointers but no unwind tables)
// libunwind follows the frame-pointer chain for that one frame and goes on with DWARF. No heap
// allocation; see docs/profiler.md for the caveats.
static int capture(ucontext_t *context, uintptr_t *frames, int *truncated) {
    unw_cursor_t cursor;
    int depth = 0;
    *truncated = 0;
    if (unwinder_status != 0) goto fallback;
    // Fast path: libunwind's unw_backtrace keeps a per-thread cache of each return address's
    // frame layout, so a warm walk needs no DWARF parsing, no lock and no system call. It starts
    // in this handler; the interrupted frame is the one whose address is the signal's RIP (the
    // kernel's sigreturn trampoline lies between), and everything before it is ours.
    void *buffer[SAMPLER_MAX_DEPTH + 8];
    int n = unwinder.backtrace(buffer, SAMPLER_MAX_DEPTH + 8);
    uintptr_t pc = (uintptr_t)context->uc_mcontext.gregs[REG_RIP];
    for (int i = 0; i < n && i < 8; i++) {
        if ((uintptr_t)buffer[i] != pc) continue;
        for (int j = i; j < n && depth < SAMPLER_MAX_DEPTH; j++) frames[depth++] = (uintptr_t)buffer[j];
        *truncated = n - i > SAMPLER_MAX_DEPTH;
        return depth;
    }
fallback:
    // Slow path (the interrupted frame was not found): step from the signal's own registers.
    if (unwinder_status == 0 && unwinder.init_local2(&cursor, (unw_context_t *)context, UNW_INIT_SIGNAL_FRAME) == 0) {
        do {
            unw_word_t ip = 0;
            if (unwinder.get_reg(&cursor, UNW_REG_IP, &ip) < 0 || ip == 0) break;
            if (depth == SAMPLER_MAX_DEPTH) {
                *truncated = 1;
                break;
            }
            frames[depth++] = (uintptr_t)ip;
        } while (unwinder.step(&cursor) > 0);
    }
    if (depth == 0) frames[depth++] = (uintptr_t)context->uc_mcontext.gregs[REG_RIP];
    return depth;
}

static void on_sigprof(int signal_number, siginfo_t *info, void *ucontext) {
    (void)signal_number;
    int saved_errno = errno;
    if (info == NULL || info->si_code != SI_TIMER) goto out;
    // The timer carries its slot; anything else (a stray kill -PROF, a stale timer) is ignored.
    uintptr_t p = (uintptr_t)info->si_value.sival_ptr;
    if (p < (uintptr_t)&slots[0] || p >= (uintptr_t)&slots[SAMPLER_MAX_THREADS]) goto out;
    if ((p - (uintptr_t)&slots[0]) % sizeof(slot_t) != 0) goto out;
    slot_t *slot = (slot_t *)p;
    if (atomic_load_explicit(&slot->state, memory_order_acquire) != SLOT_ACTIVE) goto out;
    if (!atomic_load_explicit(&running, memory_order_relaxed)) goto out;
    if (atomic_load_explicit(&slot->tid, memory_order_relaxed) != current_tid()) goto out;

    // The handler's cost is counted in the thread's CPU time, so that being descheduled on a busy
    // machine does not count as overhead.
    uint64_t cpu_start = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    uint64_t start = clock_ns(CLOCK_MONOTONIC);
    uintptr_t frames[SAMPLER_MAX_DEPTH];
    int truncated = 0;
    int depth = capture(ucontext, frames, &truncated);

    uint64_t head = atomic_load_explicit(&slot->head, memory_order_relaxed);
    uint64_t tail = atomic_load_explicit(&slot->tail, memory_order_acquire);
    uint64_t need = HEADER_WORDS + (uint64_t)depth;
    uint64_t words = slot->ring_words, mask = words - 1;
    if (words - (head - tail) < need) {
        atomic_fetch_add_explicit(&total_dropped, 1, memory_order_relaxed);
    } else {
        uint64_t *ring = slot->ring;
        // The kernel checks CPU timers on its tick (250 Hz here): expiries between two checks come
        // as one signal with si_overrun set, so a sample stands for 1 + overrun periods.
        uint64_t weight = 1 + (uint64_t)(info->si_overrun > 0 ? info->si_overrun : 0);
        if (weight > 0x7fffffffu) weight = 0x7fffffffu;
        ring[head & mask] = (uint64_t)depth | ((uint64_t)truncated << 32) | (weight << 33);
        ring[(head + 1) & mask] = start;
        for (int i = 0; i < depth; i++) ring[(head + HEADER_WORDS + i) & mask] = frames[i];
        atomic_store_explicit(&slot->head, head + need, memory_order_release);
        atomic_fetch_add_explicit(&total_samples, 1, memory_order_relaxed);
        if (truncated) atomic_fetch_add_explicit(&total_truncated, 1, memory_order_relaxed);
    }
    atomic_fetch_add_explicit(&total_handler_ns, clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu_start, memory_order_relaxed);
out:
    errno = saved_errno;
}

// MARK: - Timers

static void arm(slot_t *slot, long nanoseconds) {
    struct itimerspec spec;
    memset(&spec, 0, sizeof spec);
    spec.it_interval.tv_sec = nanoseconds / 1000000000L;
    spec.it_interval.tv_nsec = nanoseconds % 1000000000L;
    spec.it_value = spec.it_interval;
    timer_settime(slot->timer, 0, &spec, NULL);
}

// Unwinds the calling thread once, so that libunwind's one-time set-up (which takes a lock) and
// the thread's unwind cache are ready before any signal needs them.
static void warm_up_unwinder(void) {
    if (unwinder_status != 0) return;
    void *buffer[SAMPLER_MAX_DEPTH];
    unwinder.backtrace(buffer, SAMPLER_MAX_DEPTH); // creates this thread's trace cache
    ucontext_t context; // unw_context_t is ucontext_t on x86_64
    unw_cursor_t cursor;
    if (getcontext(&context) != 0 || unwinder.init_local(&cursor, (unw_context_t *)&context) != 0) return;
    while (unwinder.step(&cursor) > 0) {}
}

static void unregister_slot(slot_t *slot) {
    pthread_mutex_lock(&registry_lock);
    if (atomic_load_explicit(&slot->state, memory_order_relaxed) == SLOT_ACTIVE) {
        // Retire first: a signal already on its way then finds the slot closed. An empty ring
        // is free at once; one holding samples waits for the next drain.
        atomic_store_explicit(&slot->state, SLOT_RETIRED, memory_order_release);
        timer_delete(slot->timer);
        if (atomic_load(&slot->head) == atomic_load(&slot->tail)) atomic_store(&slot->state, SLOT_FREE);
    }
    pthread_mutex_unlock(&registry_lock);
}

static void on_thread_exit(void *slot) { unregister_slot(slot); }

static void initialize(void) {
    pthread_key_create(&exit_key, on_thread_exit);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_sigprof;
    action.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&action.sa_mask);
    sigaction(SIGPROF, &action, NULL);
    load_unwinder();
    warm_up_unwinder();
}

// MARK: - Public API

int sampler_start(int hz) {
    if (hz < 1 || hz > 10000) return EINVAL;
    pthread_once(&init_once_control, initialize);
    if (unwinder_status != 0) return unwinder_status;
    pthread_mutex_lock(&registry_lock);
    if (atomic_load(&running)) {
        pthread_mutex_unlock(&registry_lock);
        return EALREADY;
    }
    interval_ns = 1000000000L / hz;
    atomic_store(&running, 1);
    for (int i = 0; i < SAMPLER_MAX_THREADS; i++) {
        if (atomic_load_explicit(&slots[i].state, memory_order_relaxed) == SLOT_ACTIVE) arm(&slots[i], interval_ns);
    }
    pthread_mutex_unlock(&registry_lock);
    return 0;
}

void sampler_stop(void) {
    pthread_mutex_lock(&registry_lock);
    if (atomic_load(&running)) {
        atomic_store(&running, 0);
        for (int i = 0; i < SAMPLER_MAX_THREADS; i++) {
            if (atomic_load_explicit(&slots[i].state, memory_order_relaxed) == SLOT_ACTIVE) arm(&slots[i], 0);
        }
    }
    pthread_mutex_unlock(&registry_lock);
}

int sampler_is_running(void) { return atomic_load(&running); }

// Gives the slot a ring of the size asked for now (rings are kept across reuse when the size matches).
static int prepare_ring(slot_t *slot) {
    if (slot->ring != NULL && slot->ring_words == ring_words_for_new) return 0;
    free(slot->ring);
    slot->ring = calloc(ring_words_for_new, sizeof(uint64_t));
    slot->ring_words = slot->ring != NULL ? ring_words_for_new : 0;
    return slot->ring != NULL ? 0 : ENOMEM;
}

// Creates the thread's CPU-time timer and opens the slot (armed at once when sampling is on).
static int activate(slot_t *slot, pid_t tid) {
    struct sigevent event;
    memset(&event, 0, sizeof event);
    event.sigev_notify = SIGEV_THREAD_ID;
    event.sigev_signo = SIGPROF;
    event.sigev_value.sival_ptr = slot;
    event._sigev_un._tid = tid; // glibc 2.36 spells sigev_notify_thread_id this way
    if (timer_create(CLOCK_THREAD_CPUTIME_ID, &event, &slot->timer) != 0) return errno;
    memset(slot->name, 0, sizeof slot->name);
    pthread_getname_np(pthread_self(), slot->name, sizeof slot->name);
    atomic_store_explicit(&slot->head, 0, memory_order_relaxed);
    atomic_store_explicit(&slot->tail, 0, memory_order_relaxed);
    atomic_store_explicit(&slot->tid, tid, memory_order_relaxed);
    atomic_store_explicit(&slot->state, SLOT_ACTIVE, memory_order_release);
    if (atomic_load(&running)) arm(slot, interval_ns);
    return 0;
}

int sampler_register_thread(void) {
    pthread_once(&init_once_control, initialize);
    if (current_slot != NULL) return 0;
    pthread_mutex_lock(&registry_lock);
    slot_t *slot = NULL;
    for (int i = 0; i < SAMPLER_MAX_THREADS && slot == NULL; i++) {
        if (atomic_load_explicit(&slots[i].state, memory_order_relaxed) == SLOT_FREE) slot = &slots[i];
    }
    // No free slot: take a retired one nobody drained (its thread is gone); its samples are lost.
    for (int i = 0; i < SAMPLER_MAX_THREADS && slot == NULL; i++) {
        if (atomic_load_explicit(&slots[i].state, memory_order_relaxed) != SLOT_RETIRED) continue;
        slot = &slots[i];
        atomic_fetch_add(&total_dropped, 1);
    }
    int status = slot == NULL ? ENOSPC : prepare_ring(slot);
    if (status == 0) status = activate(slot, current_tid());
    pthread_mutex_unlock(&registry_lock);
    if (status == 0) {
        warm_up_unwinder();
        current_slot = slot;
        pthread_setspecific(exit_key, slot);
    }
    return status;
}

void sampler_unregister_thread(void) {
    slot_t *slot = current_slot;
    if (slot == NULL) return;
    current_slot = NULL;
    pthread_setspecific(exit_key, NULL);
    unregister_slot(slot);
}

// Threads are often named after they start (and after they register); read the current name.
static void refresh_name(slot_t *slot, pid_t tid) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%d/comm", (int)tid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    char name[SAMPLER_NAME_LENGTH];
    ssize_t n = read(fd, name, sizeof name - 1);
    close(fd);
    if (n <= 0) return;
    if (name[n - 1] == '\n') n--;
    name[n] = '\0';
    memcpy(slot->name, name, (size_t)n + 1);
}

size_t sampler_drain(sampler_sample_fn fn, void *context) {
    uintptr_t frames[SAMPLER_MAX_DEPTH];
    size_t drained = 0;
    pthread_mutex_lock(&registry_lock);
    for (int i = 0; i < SAMPLER_MAX_THREADS; i++) {
        slot_t *slot = &slots[i];
        int state = atomic_load_explicit(&slot->state, memory_order_acquire);
        if (state == SLOT_FREE) continue;
        uint64_t tail = atomic_load_explicit(&slot->tail, memory_order_relaxed);
        uint64_t head = atomic_load_explicit(&slot->head, memory_order_acquire);
        pid_t tid = atomic_load_explicit(&slot->tid, memory_order_relaxed);
        if (state == SLOT_ACTIVE && tail < head) refresh_name(slot, tid);
        uint64_t mask = slot->ring_words - 1;
        while (tail < head) {
            uint64_t header = slot->ring[tail & mask];
            int depth = (int)(header & 0xffffffffu);
            uint32_t weight = (uint32_t)(header >> 33);
            uint64_t time = slot->ring[(tail + 1) & mask];
            for (int f = 0; f < depth; f++) frames[f] = (uintptr_t)slot->ring[(tail + HEADER_WORDS + f) & mask];
            tail += HEADER_WORDS + (uint64_t)depth;
            fn(context, tid, slot->name, time, weight, frames, depth);
            drained++;
        }
        atomic_store_explicit(&slot->tail, tail, memory_order_release);
        // A retired slot is empty now and its thread will never write again: reuse it.
        if (state == SLOT_RETIRED) atomic_store_explicit(&slot->state, SLOT_FREE, memory_order_release);
    }
    pthread_mutex_unlock(&registry_lock);
    return drained;
}

pid_t sampler_thread_id(void) { return current_tid(); }

void sampler_set_ring_words(uint64_t words) {
    uint64_t size = 64;
    while (size < words && size < (1u << 24)) size <<= 1;
    pthread_mutex_lock(&registry_lock);
    ring_words_for_new = size;
    pthread_mutex_unlock(&registry_lock);
}

sampler_counters sampler_get_counters(void) {
    sampler_counters counters = {
        atomic_load(&total_samples), atomic_load(&total_dropped),
        atomic_load(&total_truncated), atomic_load(&total_handler_ns),
    };
    return counters;
}
