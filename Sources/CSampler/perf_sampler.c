// perf_event_open sampler for another process (the server under test, whatever its language):
// a software cpu-clock event on every thread of the target, sampling the instruction pointer and
// the user callchain the kernel walks by frame pointers. One event per thread (per-task, any CPU):
// the kernel refuses to mmap an `inherit` per-task event, so instead of inheriting, the reader
// looks for new threads in /proc/PID/task every 200 ms and opens events on them too. A reader
// thread copies records out of the mmap'd rings into a growing buffer; nothing here runs in the
// target, and nothing here is a signal handler.
//
// Where frame pointers are missing the kernel's walk stops after a frame or two. So each sample
// also carries a copy of the top of the user stack (PERF_SAMPLE_STACK_USER, 8 KiB) and the
// registers the unwinder starts from (PERF_SAMPLE_REGS_USER: bp, sp, ip); every sample is
// unwound again by libdwfl from the copy, with the DWARF CFI (.eh_frame) of the target's ELF
// files, and the longer of the two stacks is kept (a library built without frame pointers, such
// as libuv, cuts the kernel's walk short). VOLLEY_PERF_UNWIND=fp turns the copies off, =dwarf
// keeps the DWARF stack whenever it has one.
#define _GNU_SOURCE
#include "csampler.h"

#include <dirent.h>
#include <elfutils/libdwfl.h>
#include <dwarf.h>
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
// With stack copies (about 8.3 KiB a sample) the rings are bigger: 256 KiB, 30 samples.
#define RING_PAGES_WITH_STACK 64
#define STACK_COPY 8192
#define MAX_EVENTS 1024
// The biggest record read: header, ip, tid, time, a full callchain, three registers, a stack copy.
#define RECORD_WORDS (4 + 4 + PERF_MAX_STACK_DEPTH + 2 + 4 + STACK_COPY / 8 + 2)

enum { UNWIND_FP = 0, UNWIND_AUTO = 1, UNWIND_DWARF = 2 };

// What libdwfl's callbacks read while one sample is unwound.
typedef struct {
    const uint8_t *stack;
    uint64_t stack_size;
    uint64_t bp, sp, ip;
} unwind_input;

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
    int unwind;
    int ring_pages;
    size_t page;
    uint64_t *record; // RECORD_WORDS, for the reader
    Dwfl *dwfl;       // the target's modules, attached for unwinding stack copies (or NULL)
    unwind_input input;
    uint64_t dwarf_unwound;
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

// MARK: - DWARF unwinding of stack copies (libdwfl)

static pid_t unwind_next_thread(Dwfl *dwfl, void *arg, void **thread_arg) {
    (void)dwfl; (void)arg; (void)thread_arg;
    return 0; // threads are asked for by id (get_thread), never listed
}

static bool unwind_get_thread(Dwfl *dwfl, pid_t tid, void *arg, void **thread_arg) {
    (void)dwfl; (void)tid;
    *thread_arg = arg;
    return true;
}

// Reads stack memory from the copy; anything outside it is unknown (the unwind stops there).
static bool unwind_memory_read(Dwfl *dwfl, Dwarf_Addr address, Dwarf_Word *result, void *arg) {
    (void)dwfl;
    const unwind_input *in = arg;
    if (address < in->sp || address + sizeof *result > in->sp + in->stack_size) return false;
    memcpy(result, in->stack + (address - in->sp), sizeof *result);
    return true;
}

static bool unwind_set_initial_registers(Dwfl_Thread *thread, void *arg) {
    const unwind_input *in = arg;
    // x86-64 DWARF register numbers: 6 rbp, 7 rsp.
    Dwarf_Word registers[2] = {in->bp, in->sp};
    if (!dwfl_thread_state_registers(thread, 6, 2, registers)) return false;
    dwfl_thread_state_register_pc(thread, in->ip);
    return true;
}

static const Dwfl_Thread_Callbacks unwind_callbacks = {
    .next_thread = unwind_next_thread,
    .get_thread = unwind_get_thread,
    .memory_read = unwind_memory_read,
    .set_initial_registers = unwind_set_initial_registers,
};

static char *unwind_debuginfo_path = NULL;
static const Dwfl_Callbacks unwind_module_callbacks = {
    .find_elf = dwfl_linux_proc_find_elf,
    .find_debuginfo = dwfl_build_id_find_debuginfo,
    .debuginfo_path = &unwind_debuginfo_path,
};

// The target's module map with the unwinding callbacks attached; NULL when libdwfl cannot.
static Dwfl *unwind_open(pid_t pid, unwind_input *input) {
    Dwfl *dwfl = dwfl_begin(&unwind_module_callbacks);
    if (dwfl == NULL) return NULL;
    dwfl_report_begin(dwfl);
    if (dwfl_linux_proc_report(dwfl, pid) != 0 || dwfl_report_end(dwfl, NULL, NULL) != 0 ||
        !dwfl_attach_state(dwfl, NULL, pid, &unwind_callbacks, input)) {
        dwfl_end(dwfl);
        return NULL;
    }
    return dwfl;
}

typedef struct {
    uint64_t *frames;
    size_t depth;
} unwind_output;

static int unwind_frame(Dwfl_Frame *frame, void *arg) {
    unwind_output *out = arg;
    Dwarf_Addr pc;
    bool activation;
    if (!dwfl_frame_pc(frame, &pc, &activation) || pc == 0) return DWARF_CB_ABORT;
    out->frames[out->depth++] = pc;
    return out->depth < SAMPLER_MAX_DEPTH ? DWARF_CB_OK : DWARF_CB_ABORT;
}

// Unwinds one sample's stack copy into `frames` (leaf first); returns the depth (0: could not).
static size_t unwind_copy(perf_session *s, pid_t tid, uint64_t *frames) {
    unwind_output out = {.frames = frames, .depth = 0};
    // An error after some frames still leaves those frames.
    dwfl_getthread_frames(s->dwfl, tid, unwind_frame, &out);
    return out.depth;
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
    uint64_t size = meta->data_size ? meta->data_size : (uint64_t)s->ring_pages * s->page;
    uint64_t head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);
    uint64_t tail = meta->data_tail;
    uint64_t *record = s->record;
    while (tail < head) {
        struct perf_event_header header;
        ring_copy(data, size, tail, &header, sizeof header);
        if (header.size < sizeof header || header.size > RECORD_WORDS * 8) { tail = head; break; }
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
        // IP, TID, TIME, CALLCHAIN, then (with stack copies) REGS_USER and STACK_USER, in that order.
        const uint64_t *w = (const uint64_t *)((const uint8_t *)record + sizeof header);
        const uint64_t *end = w + (header.size - sizeof header) / 8;
        if (end - w < 4) continue;
        uint64_t ip = w[0];
        uint32_t tid = (uint32_t)(w[1] >> 32);
        uint64_t time = w[2];
        uint64_t nr = w[3];
        const uint64_t *chain = w + 4;
        if (nr > (uint64_t)(end - chain)) nr = (uint64_t)(end - chain);
        uint64_t out[3 + SAMPLER_MAX_DEPTH];
        size_t depth = 0;
        for (uint64_t i = 0; i < nr && depth < SAMPLER_MAX_DEPTH; i++) {
            uint64_t address = chain[i];
            if (address >= PERF_CONTEXT_MAX) continue; // PERF_CONTEXT_USER and friends are markers
            out[3 + depth++] = address;
        }
        const uint64_t *p = chain + nr;
        if (s->unwind != UNWIND_FP && s->dwfl != NULL && p < end) {
            uint64_t abi = *p++;
            int have_registers = abi != 0 && end - p >= 3;
            uint64_t bp = 0, sp = 0, rip = 0;
            if (have_registers) { bp = p[0]; sp = p[1]; rip = p[2]; p += 3; }
            uint64_t stack_size = p < end ? *p++ : 0;
            if (stack_size > (uint64_t)(end - p) * 8) stack_size = 0;
            const uint8_t *stack = (const uint8_t *)p;
            uint64_t dyn_size = stack_size > 0 && p + stack_size / 8 < end ? p[stack_size / 8] : stack_size;
            if (dyn_size < stack_size) stack_size = dyn_size;
            if (have_registers && stack_size > 0) {
                s->input = (unwind_input){.stack = stack, .stack_size = stack_size, .bp = bp, .sp = sp, .ip = rip};
                uint64_t frames[SAMPLER_MAX_DEPTH];
                size_t unwound = unwind_copy(s, (pid_t)tid, frames);
                if (unwound > depth || (s->unwind == UNWIND_DWARF && unwound > 0)) {
                    memcpy(out + 3, frames, unwound * sizeof *frames);
                    depth = unwound;
                    s->dwarf_unwound++;
                }
            }
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
    if (s->unwind != UNWIND_FP) {
        attr.sample_type |= PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER;
        attr.sample_regs_user = (1ull << 6) | (1ull << 7) | (1ull << 8); // PERF_REG_X86_BP, SP, IP
        attr.sample_stack_user = STACK_COPY;
    }
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
    size_t size = (size_t)(s->ring_pages + 1) * s->page;
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
    s->record = malloc(RECORD_WORDS * 8);
    if (s->record == NULL) {
        free(s);
        return ENOMEM;
    }
    const char *mode = getenv("VOLLEY_PERF_UNWIND");
    s->unwind = mode && strcmp(mode, "fp") == 0 ? UNWIND_FP : mode && strcmp(mode, "dwarf") == 0 ? UNWIND_DWARF : UNWIND_AUTO;
#if !defined(__x86_64__)
    s->unwind = UNWIND_FP; // the register numbers above are x86-64's
#endif
    if (s->unwind != UNWIND_FP) {
        s->dwfl = unwind_open(pid, &s->input);
        if (s->dwfl == NULL) s->unwind = UNWIND_FP;
    }
    s->ring_pages = s->unwind == UNWIND_FP ? RING_PAGES : RING_PAGES_WITH_STACK;
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

void perf_session_counts(perf_session *s, uint64_t *samples, uint64_t *lost, int *threads, uint64_t *dwarf_unwound) {
    pthread_mutex_lock(&s->lock);
    *dwarf_unwound = s->dwarf_unwound;
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
    free(s->record);
    if (s->dwfl != NULL) dwfl_end(s->dwfl);
    pthread_mutex_destroy(&s->lock);
    free(s);
}
