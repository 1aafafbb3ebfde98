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

#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

/* A precise one-shot wake-up at an absolute CLOCK_MONOTONIC time in nanoseconds (uv_hrtime's
   clock); libuv's own timers have millisecond resolution. */
static inline int volley_timerfd_create(void) {
    return timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
}
static inline int volley_timerfd_arm(int fd, unsigned long long at_nanos) {
    struct itimerspec spec = {0};
    if (at_nanos == 0) at_nanos = 1; /* 0 would disarm: a time in the past fires at once */
    spec.it_value.tv_sec = (time_t)(at_nanos / 1000000000ULL);
    spec.it_value.tv_nsec = (long)(at_nanos % 1000000000ULL);
    return timerfd_settime(fd, TFD_TIMER_ABSTIME, &spec, NULL);
}
static inline int volley_timerfd_disarm(int fd) {
    struct itimerspec spec = {0};
    return timerfd_settime(fd, 0, &spec, NULL);
}
static inline void volley_timerfd_consume(int fd) {
    unsigned long long expirations;
    ssize_t n = read(fd, &expirations, sizeof expirations);
    (void)n;
}
#include <sys/prctl.h>
/* The calling thread's timer slack (default 50 us): how late the kernel may fire its timers
   to batch wake-ups. prctl is variadic, which Swift cannot call. */
static inline int volley_set_timer_slack(unsigned long nanos) {
    return prctl(PR_SET_TIMERSLACK, nanos, 0, 0, 0);
}
/* CPU time consumed by the calling thread, in nanoseconds. */
static inline unsigned long long volley_thread_cpu_nanos(void) {
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return 0;
    return (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec;
}
