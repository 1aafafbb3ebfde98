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
