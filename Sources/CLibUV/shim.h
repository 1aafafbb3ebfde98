#include <uv.h>
#include <pthread.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

/* glibc declares this only under _GNU_SOURCE, which would make this module's view of the
   system headers differ from Swift's Glibc module; declare just the one function. */
int pthread_setname_np(pthread_t thread, const char *name);

#include <signal.h>

/* SIG_IGN is a cast macro Swift cannot import; a write to a closed socket must return
   EPIPE instead of killing the process. */
static inline void volley_ignore_sigpipe(void) { signal(SIGPIPE, SIG_IGN); }

/* uv_loop_configure is variadic, which Swift cannot call; this enables the loop's idle-time
   metric (time spent blocked in the poll), read back with uv_metrics_idle_time. */
static inline int volley_loop_enable_idle_time(uv_loop_t *loop) {
    return uv_loop_configure(loop, UV_METRICS_IDLE_TIME);
}
