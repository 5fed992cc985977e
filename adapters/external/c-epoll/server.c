/*
 * c-epoll server: the native yardstick echo server.
 *
 * One thread, one epoll instance, edge-triggered, non-blocking sockets. Every
 * read goes into one shared 32 KiB buffer and is written straight back. When
 * the kernel takes only part of it, the unsent rest is copied into a buffer
 * owned by that connection (allocated then, freed once flushed) and the
 * connection is not read again until EPOLLOUT has flushed it, so a client
 * that does not read cannot make the server buffer more than one read.
 *
 *   server [--host 127.0.0.1] --port P [--backlog 32768] [--nodelay] [--reuseport]
 *
 * Prints "c-epoll listening on HOST:PORT" (the real port when P is 0) once
 * listening. Out of file descriptors, accept uses a spare fd to take and
 * close the waiting connection rather than spin. SIGTERM/SIGINT exit 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define READ_BUFFER 32768
#define MAX_EVENTS 1024
/* Connections accepted per wake-up, so accepting does not starve echoing. */
#define ACCEPT_BATCH 256

/* Unsent echo of one connection; nothing allocated while it is empty. */
struct conn {
    char *pending;
    uint32_t offset;
    uint32_t length;
    uint8_t open;
};

static struct conn *conns;
static size_t conns_capacity;
static char read_buffer[READ_BUFFER];
static int epoll_fd = -1;
static int listen_fd = -1;
static int signal_fd = -1;
static int spare_fd = -1;
static int no_delay;
static unsigned long long accepted, open_now, emfile_rejected;
static int emfile_reported;

static void usage(FILE *to) {
    fprintf(to,
            "usage: server [--host 127.0.0.1] --port P [--backlog 32768] [--nodelay] [--reuseport]\n"
            "  --host H      address to listen on, numeric or a name (default 127.0.0.1)\n"
            "  --port P      port; 0 picks a free one (the printed line shows it)\n"
            "  --backlog B   listen backlog asked for (the kernel caps it at net.core.somaxconn)\n"
            "  --nodelay     set TCP_NODELAY on accepted sockets\n"
            "  --reuseport   set SO_REUSEPORT, so several server processes can share the port\n");
}

static void bad_argument(const char *message, const char *value) {
    fprintf(stderr, "server: %s%s%s\n", message, value ? ": " : "", value ? value : "");
    usage(stderr);
    exit(2);
}

static long parse_integer(const char *option, const char *text, long min, long max) {
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < min || value > max) {
        fprintf(stderr, "server: %s %s: must be a whole number from %ld to %ld\n", option, text, min, max);
        exit(2);
    }
    return value;
}

static int grow_conns(int fd) {
    if ((size_t)fd < conns_capacity) return 0;
    size_t capacity = conns_capacity ? conns_capacity : 1024;
    while (capacity <= (size_t)fd) capacity *= 2;
    struct conn *grown = realloc(conns, capacity * sizeof *conns);
    if (grown == NULL) return -1;
    memset(grown + conns_capacity, 0, (capacity - conns_capacity) * sizeof *conns);
    conns = grown;
    conns_capacity = capacity;
    return 0;
}

static void close_conn(int fd) {
    struct conn *c = &conns[fd];
    free(c->pending);
    c->pending = NULL;
    c->offset = c->length = 0;
    c->open = 0;
    open_now--;
    close(fd); /* also removes it from the epoll set */
}

/* Writes out what is pending; 1 when all of it is gone, 0 when the kernel is full, -1 on error. */
static int flush_pending(int fd, struct conn *c) {
    while (c->length > 0) {
        ssize_t w = send(fd, c->pending + c->offset, c->length, MSG_NOSIGNAL);
        if (w > 0) {
            c->offset += (uint32_t)w;
            c->length -= (uint32_t)w;
        } else if (w < 0 && errno == EINTR) {
            continue;
        } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return 0;
        } else {
            return -1;
        }
    }
    free(c->pending);
    c->pending = NULL;
    c->offset = 0;
    return 1;
}

/* Handles readiness of one connection: flush what is pending, then echo until the socket is drained. */
static void serve(int fd, uint32_t events) {
    struct conn *c = &conns[fd];
    if (c->length > 0) {
        /* Not writable yet: a later EPOLLOUT edge will bring us back. */
        if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
        int flushed = flush_pending(fd, c);
        if (flushed < 0) {
            close_conn(fd);
            return;
        }
        if (flushed == 0) return; /* EPOLLOUT will call again */
    }
    for (;;) {
        ssize_t n = recv(fd, read_buffer, READ_BUFFER, 0);
        if (n > 0) {
            ssize_t w = send(fd, read_buffer, (size_t)n, MSG_NOSIGNAL);
            if (w == n) {
                /* A short read emptied the socket; edge-triggered epoll reports new data.
                   A peer's FIN may sit behind it, which EPOLLRDHUP tells us to read. */
                if (n < READ_BUFFER && !(events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))) return;
                continue;
            }
            if (w < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                    w = 0;
                } else {
                    close_conn(fd);
                    return;
                }
            }
            /* Keep the rest and stop reading until EPOLLOUT has flushed it. */
            c->length = (uint32_t)(n - w);
            c->offset = 0;
            c->pending = malloc(c->length);
            if (c->pending == NULL) {
                fprintf(stderr, "c-epoll: out of memory buffering %u bytes; closing the connection\n", c->length);
                c->length = 0;
                close_conn(fd);
                return;
            }
            memcpy(c->pending, read_buffer + w, c->length);
            return;
        } else if (n == 0) {
            close_conn(fd); /* peer is done sending and everything is echoed */
            return;
        } else if (errno == EINTR) {
            continue;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return;
        } else {
            close_conn(fd);
            return;
        }
    }
}

static void accept_some(void) {
    for (int i = 0; i < ACCEPT_BATCH; i++) {
        int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) return;
            if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO) continue;
            if (errno == EMFILE || errno == ENFILE) {
                if (!emfile_reported) {
                    struct rlimit limit;
                    getrlimit(RLIMIT_NOFILE, &limit);
                    fprintf(stderr,
                            "c-epoll: accept: %s with %llu connections open (open-files limit %llu); "
                            "closing new connections until descriptors free up\n",
                            strerror(errno), open_now, (unsigned long long)limit.rlim_cur);
                    emfile_reported = 1;
                }
                /* Free the spare descriptor, take the waiting connection and close it at
                   once: the client sees it closed instead of the accept queue spinning. */
                if (spare_fd >= 0) {
                    close(spare_fd);
                    spare_fd = -1;
                    int victim = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
                    if (victim >= 0) {
                        close(victim);
                        emfile_rejected++;
                    }
                    spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
                    if (victim >= 0) continue;
                }
                return; /* level-triggered: tried again on the next wake-up */
            }
            fprintf(stderr, "c-epoll: accept: %s\n", strerror(errno));
            return;
        }
        if (grow_conns(fd) < 0) {
            fprintf(stderr, "c-epoll: out of memory for connection table\n");
            close(fd);
            continue;
        }
        if (no_delay) {
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        }
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.fd = fd};
        if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
            fprintf(stderr, "c-epoll: epoll_ctl: %s\n", strerror(errno));
            close(fd);
            continue;
        }
        conns[fd].open = 1;
        accepted++;
        open_now++;
    }
}

int main(int argc, char **argv) {
    const char *host = "127.0.0.1";
    long port = -1, backlog = 32768;
    int reuse_port = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = NULL;
        char name[64];
        const char *eq = strchr(arg, '=');
        if (strncmp(arg, "--", 2) == 0 && eq != NULL && (size_t)(eq - arg) < sizeof name) {
            memcpy(name, arg, (size_t)(eq - arg));
            name[eq - arg] = '\0';
            value = eq + 1;
            arg = name;
        }
        int takes_value = !strcmp(arg, "--host") || !strcmp(arg, "--port") || !strcmp(arg, "--backlog");
        if (takes_value && value == NULL) {
            if (i + 1 >= argc) bad_argument("missing value for", arg);
            value = argv[++i];
        } else if (!takes_value && value != NULL) {
            bad_argument("option takes no value", arg);
        }
        if (!strcmp(arg, "--host")) host = value;
        else if (!strcmp(arg, "--port")) port = parse_integer("--port", value, 0, 65535);
        else if (!strcmp(arg, "--backlog")) backlog = parse_integer("--backlog", value, 1, 1 << 30);
        else if (!strcmp(arg, "--nodelay")) no_delay = 1;
        else if (!strcmp(arg, "--reuseport")) reuse_port = 1;
        else if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            usage(stdout);
            return 0;
        } else bad_argument("unknown option", arg);
    }
    if (port < 0) bad_argument("--port is required (0 picks a free port)", NULL);

    /* Use every descriptor we are allowed: the soft limit up to the hard one. */
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }

    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
    struct addrinfo *found = NULL;
    char port_text[24];
    snprintf(port_text, sizeof port_text, "%ld", port);
    int gai = getaddrinfo(host, port_text, &hints, &found);
    if (gai != 0) {
        fprintf(stderr, "server: cannot resolve --host %s: %s\n", host, gai_strerror(gai));
        return 2;
    }
    struct addrinfo *address = found;
    for (struct addrinfo *a = found; a != NULL; a = a->ai_next) {
        if (a->ai_family == AF_INET) {
            address = a;
            break;
        }
    }
    listen_fd = socket(address->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listen_fd < 0) {
        fprintf(stderr, "server: socket: %s\n", strerror(errno));
        return 1;
    }
    int one = 1;
    setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (reuse_port && setsockopt(listen_fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0) {
        fprintf(stderr, "server: SO_REUSEPORT: %s\n", strerror(errno));
        return 1;
    }
    if (bind(listen_fd, address->ai_addr, address->ai_addrlen) < 0) {
        fprintf(stderr, "server: bind %s:%ld: %s\n", host, port, strerror(errno));
        return 1;
    }
    freeaddrinfo(found);
    if (listen(listen_fd, (int)backlog) < 0) {
        fprintf(stderr, "server: listen: %s\n", strerror(errno));
        return 1;
    }

    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigprocmask(SIG_BLOCK, &signals, NULL);
    signal(SIGPIPE, SIG_IGN);
    signal_fd = signalfd(-1, &signals, SFD_NONBLOCK | SFD_CLOEXEC);
    spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (signal_fd < 0 || spare_fd < 0 || epoll_fd < 0 || grow_conns(1024) < 0) {
        fprintf(stderr, "server: setup failed: %s\n", strerror(errno));
        return 1;
    }
    /* The listener is level-triggered: accept_some takes a batch and is called again. */
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = listen_fd};
    epoll_ctl(epoll_fd, EPOLL_CTL_ADD, listen_fd, &ev);
    ev.data.fd = signal_fd;
    epoll_ctl(epoll_fd, EPOLL_CTL_ADD, signal_fd, &ev);

    struct sockaddr_storage bound;
    socklen_t bound_length = sizeof bound;
    getsockname(listen_fd, (struct sockaddr *)&bound, &bound_length);
    char shown[INET6_ADDRSTRLEN] = "?";
    int bound_port = 0;
    if (bound.ss_family == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)&bound;
        inet_ntop(AF_INET, &in->sin_addr, shown, sizeof shown);
        bound_port = ntohs(in->sin_port);
        printf("c-epoll listening on %s:%d\n", shown, bound_port);
    } else {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&bound;
        inet_ntop(AF_INET6, &in6->sin6_addr, shown, sizeof shown);
        bound_port = ntohs(in6->sin6_port);
        printf("c-epoll listening on [%s]:%d\n", shown, bound_port);
    }
    fflush(stdout);

    struct epoll_event events[MAX_EVENTS];
    for (;;) {
        int n = epoll_wait(epoll_fd, events, MAX_EVENTS, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            fprintf(stderr, "server: epoll_wait: %s\n", strerror(errno));
            return 1;
        }
        for (int i = 0; i < n; i++) {
            int fd = events[i].data.fd;
            if (fd == listen_fd) {
                accept_some();
            } else if (fd == signal_fd) {
                struct signalfd_siginfo info;
                if (read(signal_fd, &info, sizeof info) == (ssize_t)sizeof info) goto done;
            } else if (conns[fd].open) {
                serve(fd, events[i].events);
            }
        }
    }
done:
    for (size_t fd = 0; fd < conns_capacity; fd++) {
        if (conns[fd].open) close_conn((int)fd);
    }
    close(listen_fd);
    if (emfile_rejected > 0) {
        fprintf(stderr, "c-epoll: %llu connections closed unserved for lack of file descriptors\n", emfile_rejected);
    }
    free(conns);
    return 0;
}
