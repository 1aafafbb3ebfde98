// A minimal keep-alive HTTP server on 127.0.0.1 for the perf-profiler test: every request spends
// its time in hot_spin(), so a CPU profile of this process must show it. Built by the test with
// `cc -fno-omit-frame-pointer -O1`. Usage: hot_server PORT (0: any free port, printed on the ready line)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

__attribute__((noinline)) unsigned long hot_spin(unsigned long rounds) {
    volatile unsigned long x = 0;
    for (unsigned long i = 0; i < rounds; i++) x = x * 2862933555777941757ul + i;
    return x;
}

__attribute__((noinline)) static void answer(int fd) {
    unsigned long v = hot_spin(200000);
    char body[64];
    int n = snprintf(body, sizeof body, "hot %lu\n", v & 0xff);
    char out[256];
    int m = snprintf(out, sizeof out, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\nContent-Type: text/plain\r\n\r\n%s", n, body);
    if (write(fd, out, (size_t)m) < 0) {}
}

int main(int argc, char **argv) {
    // Whatever the starter blocked (a test runner may block SIGTERM), this server can be stopped.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    int port = argc > 1 ? atoi(argv[1]) : 8080;
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listener, (struct sockaddr *)&address, sizeof address) != 0 || listen(listener, 128) != 0) {
        perror("hot_server: bind");
        return 1;
    }
    socklen_t length = sizeof address;
    getsockname(listener, (struct sockaddr *)&address, &length); // port 0: the one the kernel chose
    printf("hot_server listening on %d\n", ntohs(address.sin_port));
    fflush(stdout);
    struct pollfd fds[256];
    char buffer[8192];
    int count = 1;
    fds[0] = (struct pollfd){.fd = listener, .events = POLLIN};
    for (;;) {
        if (poll(fds, (nfds_t)count, -1) < 0) continue;
        if (fds[0].revents & POLLIN) {
            int client = accept(listener, NULL, NULL);
            if (client >= 0 && count < 256) {
                setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                fds[count++] = (struct pollfd){.fd = client, .events = POLLIN};
            } else if (client >= 0) close(client);
        }
        for (int i = 1; i < count; i++) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
            if (n <= 0) {
                close(fds[i].fd);
                fds[i--] = fds[--count];
                continue;
            }
            // One answer per request head in what was read (pipelined heads get one each).
            for (ssize_t j = 3; j < n; j++)
                if (buffer[j] == '\n' && buffer[j - 1] == '\r' && buffer[j - 2] == '\n' && buffer[j - 3] == '\r') answer(fds[i].fd);
        }
    }
}
