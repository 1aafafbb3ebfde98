#ifndef CSAMPLER_H
#define CSAMPLER_H
// Volley's only hand-written C: a SIGPROF sampling profiler core.
// Each registered thread gets its own CPU-time timer (timer_create on CLOCK_THREAD_CPUTIME_ID,
// delivered with SIGEV_THREAD_ID, as Go's runtime does), so every busy thread is sampled at the
// same rate of its own CPU time. The signal handler unwinds the interrupted stack with libunwind
// (its cached fast trace; DWARF CFI with a frame-pointer fallback on a miss) and writes the frames
// into the thread's preallocated single-producer ring; it neither allocates from the heap nor
// takes a lock of its own.
// Samples are drained, symbolized and rendered off the signal path.

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Frames kept per sample (deeper stacks are cut at the root end and counted as truncated).
#define SAMPLER_MAX_DEPTH 128
/// Threads that can be registered at once.
#define SAMPLER_MAX_THREADS 256
/// Longest thread name kept (Linux allows 15 bytes plus NUL).
#define SAMPLER_NAME_LENGTH 16

/// Starts sampling every registered thread (and every thread registered later) at `hz` samples
/// per second of that thread's CPU time. Returns 0, EALREADY when running, or an errno value.
int sampler_start(int hz);

/// Stops sampling: disarms every timer. Samples already captured stay until drained.
void sampler_stop(void);

/// Whether sampling is on.
int sampler_is_running(void);

/// Registers the calling thread: allocates its ring and creates its CPU-time timer (armed at once
/// when sampling is on). Idempotent. The thread is unregistered by itself when it exits.
/// Returns 0, ENOSPC when every slot is taken, or an errno value.
int sampler_register_thread(void);

/// Unregisters the calling thread (deletes its timer); its undrained samples are still drained.
void sampler_unregister_thread(void);

/// Sets the ring size (in 8-byte words, rounded up to a power of two, at least 64) for threads
/// registered from now on. Default 32768 (256 KiB). Small rings are for testing drops.
void sampler_set_ring_words(uint64_t words);

/// The calling thread's kernel thread id (what samples are keyed by).
pid_t sampler_thread_id(void);

/// Receives one drained sample: `frames[0]` is the interrupted instruction, the rest are return
/// addresses, leaf to root. `time_ns` is CLOCK_MONOTONIC. `weight` is how many sampling periods
/// the sample stands for (1 + the timer's overrun: the kernel checks CPU timers only on its tick).
typedef void (*sampler_sample_fn)(void *context, pid_t tid, const char *thread_name,
                                  uint64_t time_ns, uint32_t weight, const uintptr_t *frames, int depth);

/// Hands every sample captured so far to `fn` (on the calling thread) and frees their space.
/// Returns the number of samples drained. Serialized internally; never call from the handler.
size_t sampler_drain(sampler_sample_fn fn, void *context);

/// Counters since the process started (monotonic; callers subtract to get a window).
typedef struct {
    uint64_t samples;    ///< samples written into rings
    uint64_t dropped;    ///< samples lost because a ring was full
    uint64_t truncated;  ///< samples whose stack was deeper than SAMPLER_MAX_DEPTH
    uint64_t handler_ns; ///< CPU time spent in the signal handler, all threads (its overhead)
} sampler_counters;

/// Reads the counters.
sampler_counters sampler_get_counters(void);

// MARK: - Symbolization (ordinary code, never in the handler)

/// An opaque symbol table of this process (elfutils libdwfl over /proc/self/maps).
typedef struct sampler_symbols sampler_symbols;

/// Reads the process's module map. Returns NULL when libdwfl cannot.
sampler_symbols *sampler_symbols_open(void);

/// Frees the table.
void sampler_symbols_close(sampler_symbols *symbols);

/// Looks up `address`. On return `*symbol` is the raw (possibly mangled) ELF symbol name, from
/// .symtab when the file has one (so also non-exported functions), else .dynsym, or NULL;
/// `*module` is the file's base name or NULL; `*module_offset` is `address` relative to the
/// module's load address. Strings live as long as the table. Returns 1 if a symbol was found,
/// 0 if only the module, -1 if nothing.
int sampler_symbols_lookup(sampler_symbols *symbols, uintptr_t address, const char **symbol,
                           const char **module, uintptr_t *module_offset);

/// Demangles a Swift symbol with the Swift runtime's own demangler (`swift_demangle`).
/// Returns a malloc'd string for the caller to free, or NULL if `name` is not a Swift symbol.
char *sampler_swift_demangle(const char *name);

/// Demangles a C++ symbol (the Swift runtime's own frames) with libstdc++'s `__cxa_demangle`.
/// Returns a malloc'd string for the caller to free, or NULL if `name` is not a C++ symbol.
char *sampler_cxx_demangle(const char *name);

// MARK: - perf_event_open sampler of another process (perf_sampler.c)

/// A sampling session on another process: a cpu-clock perf event on each of its threads.
typedef struct perf_session perf_session;

/// Opens (disabled) events on every thread of `pid` at `hz` samples per thread CPU-second, callchains
/// from frame pointers, and stack copies unwound with libdwfl where those are short
/// (VOLLEY_PERF_UNWIND=fp|dwarf|auto, default auto). Returns 0, or an errno value (EACCES/EPERM: not permitted; ESRCH: no process).
int perf_session_open(pid_t pid, int hz, perf_session **out);

/// Enables the events and starts the thread that empties their rings. Returns 0 or an errno value.
int perf_session_start(perf_session *session);

/// Disables the events, stops the reader and reads what is left.
void perf_session_stop(perf_session *session);

/// Hands every sample read so far to `fn` (frames leaf first; the thread name is empty) and frees them.
size_t perf_session_drain(perf_session *session, sampler_sample_fn fn, void *context);

/// Samples read, samples the kernel reported lost, threads with an event, samples unwound from
/// their stack copy with DWARF CFI (frame pointers missing).
void perf_session_counts(perf_session *session, uint64_t *samples, uint64_t *lost, int *threads, uint64_t *dwarf_unwound);

/// Closes the events (stopping first if needed) and frees the session.
void perf_session_close(perf_session *session);

/// Like sampler_symbols_open, for another process's module map (/proc/PID/maps).
sampler_symbols *sampler_symbols_open_pid(pid_t pid);

#ifdef __cplusplus
}
#endif
#endif
