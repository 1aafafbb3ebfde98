// perf_event_open sampler for another process (the server under test, whatever its language):
// a software cpu-clock event on every thread of the target, sampling the instruction pointer and
// the user callchain the kernel walks by frame pointers. One event per thread (per-task, any CPU):
// the kernel refuses to mmap an `inherit` per-task event, so instead of inheriting, the reader
// looks for new threads in /proc/PID/task every 200 ms and opens events on them too. A reader
// thread copies records out of the mmap'd rings into a growing buffer; nothing here runs in the
// target, and nothing here is a signal handler.
#define _GNU_SOURCE
#include "csampler.h"

#include <dirent.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

// 64 KiB of samples per thread: at 99 Hz and 1 KiB per deep stack, over half a second of slack
// for a reader that empties the rings every 20 ms.
#define RING_PAGES 16
#define MAX_EVENTS 1024

typedef struct {
    int fd;
    pid_t tid;
    void *map;
    size_t map_size;
} perf_event_t;

struct perf_session {
    pid_t pid;
    perf_event_t events[MAX_EVENTS];
    int count;
    int hz;
    size_t page;
    pthread_t reader;
    int reader_started;
    _Atomic int stopping;
    pthread_mutex_t lock; // guards the buffer
    // Samples copied out: a flat sequence of (tid, time, depth, frames...) words.
    uint64_t *buffer;
    size_t used, capacity;
    uint64_t samples, lost;
};

static int perf_open(struct perf_event_attr *attr, pid_t tid) {
    return (int)syscall(SYS_perf_event_open, attr, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

static void append(perf_session *s, const uint64_t *words, size_t n) {
    if (s->used + n > s->capacity) {
        size_t capacity = s->capacity ? s->capacity * 2 : 1 << 16;
        while (capacity < s->used + n) capacity *= 2;
        uint64_t *grown = realloc(s->buffer, capacity * sizeof *grown);
        if (grown == NULL) { s->lost++; return; }
        s->buffer = grown;
        s->capacity = capacity;
    }
    memcpy(s->buffer + s->used, words, n * sizeof *words);
    s->used += n;
}

// Copies `n` bytes at ring offset `offset` (wrapping) into `out`.
static void ring_copy(const uint8_t *data, uint64_t size, uint64_t offset, void *out, size_t n) {
    uint64_t start = offset & (size - 1);
    size_t first = n < size - start ? n : (size_t)(size - start);
    memcpy(out, data + start, first);
    if (first < n) memcpy((uint8_t *)out + first, data, n - first);
}

// Moves every complete record out of one ring.
static void read_ring(perf_session *s, perf_event_t *e) {
    struct perf_event_mmap_page *meta = e->map;
    const uint8_t *data = (const uint8_t *)e->map + s->page;
    uint64_t size = meta->data_size ? meta->data_size : RING_PAGES * s->page;
    uint64_t head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);
    uint64_t tail = meta->data_tail;
    uint64_t record[(sizeof(struct perf_event_header) + 8 * (4 + PERF_MAX_STACK_DEPTH + 8)) / 8 + 8];
    while (tail < head) {
        struct perf_event_header header;
        ring_copy(data, size, tail, &header, sizeof header);
        if (header.size < sizeof header || header.size > sizeof record) { tail = head; break; }
        ring_copy(data, size, tail, record, header.size);
        tail += header.size;
        if (header.type == PERF_RECORD_LOST) {
            // struct { header; u64 id; u64 lost; }
            pthread_mutex_lock(&s->lock);
            s->lost += ((uint64_t *)((uint8_t *)record + sizeof header))[1];
            pthread_mutex_unlock(&s->lock);
            continue;
        }
        if (header.type != PERF_RECORD_SAMPLE) continue;
        // PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CALLCHAIN, in that order.
        const uint64_t *w = (const uint64_t *)((const uint8_t *)record + sizeof header);
        uint64_t ip = w[0];
        uint32_t tid = (uint32_t)(w[1] >> 32);
        uint64_t time = w[2];
        uint64_t nr = w[3];
        const uint64_t *chain = w + 4;
        size_t available = (header.size - sizeof header) / 8;
        if (nr > available - 4) nr = available - 4;
        uint64_t out[4 + SAMPLER_MAX_DEPTH];
        size_t depth = 0;
        for (uint64_t i = 0; i < nr && depth < SAMPLER_MAX_DEPTH; i++) {
            uint64_t address = chain[i];
            if (address >= PERF_CONTEXT_MAX) continue; // PERF_CONTEXT_USER and friends are markers
            out[3 + depth++] = address;
        }
        if (depth == 0) out[3 + depth++] = ip;
        out[0] = tid;
        out[1] = time;
        out[2] = depth;
        pthread_mutex_lock(&s->lock);
        append(s, out, 3 + depth);
        s->samples++;
        pthread_mutex_unlock(&s->lock);
    }
    __atomic_store_n(&meta->data_tail, tail, __ATOMIC_RELEASE);
}

static void read_all(perf_session *s) {
    for (int i = 0; i < s->count; i++) read_ring(s, &s->events[i]);
}

static int open_thread(perf_session *s, pid_t tid, int enabled);

// Opens events on threads of the target that have none yet; 0, or the first error other than a
// thread that ended meanwhile (ESRCH).
static int scan_threads(perf_session *s, int enabled) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)s->pid);
    DIR *dir = opendir(path);
    if (dir == NULL) return errno;
    int status = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
        pid_t tid = (pid_t)atoi(entry->d_name);
        int known = 0;
        for (int i = 0; i < s->count && !known; i++) known = s->events[i].tid == tid;
        if (known) continue;
        int error = open_thread(s, tid, enabled);
        if (error != 0 && error != ESRCH) { status = error; break; }
    }
    closedir(dir);
    return status;
}

static void *reader_main(void *context) {
    perf_session *s = context;
    for (unsigned round = 1; !atomic_load(&s->stopping); round++) {
        usleep(20000);
        read_all(s);
        if (round % 10 == 0) scan_threads(s, 1);
    }
    return NULL;
}

static int open_thread(perf_session *s, pid_t tid, int enabled) {
    if (s->count >= MAX_EVENTS) return ENOSPC;
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.size = sizeof attr;
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_CPU_CLOCK;
    attr.sample_period = 1000000000ull / (uint64_t)s->hz; // cpu-clock counts nanoseconds of the thread's CPU time
    attr.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CALLCHAIN;
    attr.disabled = enabled ? 0 : 1;
    attr.exclude_kernel = 1;
    attr.exclude_hv = 1;
    attr.exclude_callchain_kernel = 1;
    attr.sample_max_stack = SAMPLER_MAX_DEPTH - 1; // kernel.perf_event_max_stack is 127 by default
    attr.wakeup_events = 1;
    int fd = perf_open(&attr, tid);
    if (fd < 0 && (errno == EINVAL || errno == EOVERFLOW)) {
        attr.sample_max_stack = 0; // kernels before 4.8 do not know it; a lower perf_event_max_stack refuses 127
        fd = perf_open(&attr, tid);
    }
    if (fd < 0) return errno;
    size_t size = (RING_PAGES + 1) * s->page;
    void *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) {
        int error = errno;
        close(fd);
        return error;
    }
    s->events[s->count++] = (perf_event_t){.fd = fd, .tid = tid, .map = map, .map_size = size};
    return 0;
}

int perf_session_open(pid_t pid, int hz, perf_session **out) {
    *out = NULL;
    if (hz < 1 || hz > 10000) return EINVAL;
    perf_session *s = calloc(1, sizeof *s);
    if (s == NULL) return ENOMEM;
    s->pid = pid;
    s->hz = hz;
    s->page = (size_t)sysconf(_SC_PAGESIZE);
    pthread_mutex_init(&s->lock, NULL);
    // A thread that ended meanwhile is no error; anything else (EACCES, EPERM) is.
    int status = scan_threads(s, 0);
    if (status == 0 && s->count == 0) status = ESRCH;
    if (status != 0) {
        perf_session_close(s);
        return status;
    }
    *out = s;
    return 0;
}

int perf_session_start(perf_session *s) {
    for (int i = 0; i < s->count; i++) ioctl(s->events[i].fd, PERF_EVENT_IOC_ENABLE, 0);
    atomic_store(&s->stopping, 0);
    int status = pthread_create(&s->reader, NULL, reader_main, s);
    if (status == 0) s->reader_started = 1;
    return status;
}

void perf_session_stop(perf_session *s) {
    for (int i = 0; i < s->count; i++) ioctl(s->events[i].fd, PERF_EVENT_IOC_DISABLE, 0);
    if (s->reader_started) {
        atomic_store(&s->stopping, 1);
        pthread_join(s->reader, NULL);
        s->reader_started = 0;
    }
    read_all(s);
}

size_t perf_session_drain(perf_session *s, sampler_sample_fn fn, void *context) {
    pthread_mutex_lock(&s->lock);
    size_t n = 0;
    char name[SAMPLER_NAME_LENGTH];
    for (size_t at = 0; at + 3 <= s->used;) {
        pid_t tid = (pid_t)s->buffer[at];
        uint64_t time = s->buffer[at + 1];
        int depth = (int)s->buffer[at + 2];
        name[0] = '\0';
        fn(context, tid, name, time, 1, (const uintptr_t *)(s->buffer + at + 3), depth);
        at += 3 + (size_t)depth;
        n++;
    }
    s->used = 0;
    pthread_mutex_unlock(&s->lock);
    return n;
}

void perf_session_counts(perf_session *s, uint64_t *samples, uint64_t *lost, int *threads) {
    pthread_mutex_lock(&s->lock);
    *samples = s->samples;
    *lost = s->lost;
    *threads = s->count;
    pthread_mutex_unlock(&s->lock);
}

void perf_session_close(perf_session *s) {
    if (s == NULL) return;
    if (s->reader_started) perf_session_stop(s);
    for (int i = 0; i < s->count; i++) {
        munmap(s->events[i].map, s->events[i].map_size);
        close(s->events[i].fd);
    }
    free(s->buffer);
    pthread_mutex_destroy(&s->lock);
    free(s);
}
