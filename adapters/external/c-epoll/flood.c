/*
 * c-epoll flood: the native flood client, the yardstick the JS clients are
 * measured against. Same options, semantics and report as src/engine/ (the
 * FloodReport schema in src/engine/FloodResult.ts, the checks in
 * src/engine/FloodOptions.ts, the diagnosis in src/protocol/Verifier.ts).
 *
 * One thread, one epoll instance, edge-triggered, non-blocking sockets.
 * N connections, at most K connects in flight; each sends X bytes of its
 * pattern (pattern.h) in chunks of C bytes, starts a chunk only when the
 * unechoed bytes plus the chunk fit in the window W, and compares every
 * echoed byte with memcmp against the pattern. Once all X bytes are verified
 * it half-closes (shutdown SHUT_WR) and waits, up to the stall timeout, for
 * the server's EOF: any byte before it fails the connection as `excess`. The
 * completion time stays at the last verified byte; the wait is reported as
 * closeSeconds. A failed connection is closed and counted; the others go on. Exit 0 only when every connection verified
 * all X bytes, 1 otherwise, 2 for bad arguments or an open-files limit too
 * low for N.
 *
 * Duration mode (--duration S, the saturating client of `saturate`): the
 * streams have no end. Connections open, then all start sending together;
 * the ramp ends once the server has echoed a first byte on every one (it has
 * accepted them all), or incomplete when none has been served for 5 s; after --warmup the steady state runs for S seconds, and the
 * report (SaturationClientReport in src/engine/SaturationReports.ts) gives
 * the echo per second and each connection's progress for fairness. With
 * --worker it speaks src/run/WorkerProtocol.ts instead: JSON events on stdout
 * (ramped, a tick every 250 ms, steady, client-result) and "start"/"stop"
 * from the parent on stdin; S is then only its deadline.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "pattern.h"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

#if defined(__clang__)
#define COMPILER_VERSION "clang " __clang_version__
#else
#define COMPILER_VERSION "gcc " __VERSION__
#endif

#define MAX_CHUNK (512u * 1024u)
#define READ_BUFFER (256u * 1024u)
#define MAX_EVENTS 1024
#define MAX_DETAILS 5
/* Diagnosis, as in src/protocol/Verifier.ts: bytes that must line up after a
   suspected shift, and the largest loss or insertion looked for. */
#define SHIFT_EVIDENCE 8
#define MAX_SHIFT 64
/* Bytes gathered after a mismatch before diagnosing it (evidence for the largest shift). */
#define DIAG_WANT (MAX_SHIFT + SHIFT_EVIDENCE)
/* Longest wait for those bytes, in ns. */
#define DIAG_WAIT_NS 500000000ull
/* Open files needed besides the sockets (stdio, epoll, slack). */
#define SPARE_FILES 16

enum kind {
    K_CORRUPTED,
    K_MISSING,
    K_EXTRA,
    K_EXCESS,
    K_TRUNCATED,
    K_STALLED,
    K_RESET,
    K_REFUSED,
    K_CONNECT_TIMEOUT,
    K_EMFILE,
    K_TIMEOUT,
    K_SOCKET_ERROR,
    K_COUNT
};
static const char *const kind_names[K_COUNT] = {
    "corrupted", "missing-bytes", "extra-bytes",         "excess",  "truncated", "stalled",
    "reset",     "refused",       "connect-timeout",     "too-many-open-files", "timeout", "socket-error"};

/* S_CLOSING: every byte verified, our side shut down, waiting for the server's EOF. */
enum state { S_IDLE, S_CONNECTING, S_CONNECTED, S_CLOSING, S_DONE };

struct conn {
    int fd;
    uint8_t state;
    uint8_t diagnosing;
    uint8_t diag_len;
    uint64_t sent;      /* bytes the kernel has taken */
    uint64_t chunk_end; /* end of the chunk being written; == sent between chunks */
    uint64_t received;  /* bytes echoed and verified */
    uint64_t last_progress_ns;
    uint64_t connect_start_ns;
    uint64_t verified_ns; /* when the last expected byte was verified */
    /* After a mismatch: the bytes from it, gathered for the diagnosis. */
    uint64_t diag_offset;
    uint64_t diag_raw_received; /* everything received, for the window while diagnosing */
    uint64_t diag_deadline_ns;
    uint8_t *diag;
    /* Duration mode: counted in the steady-state fairness figures, from this many bytes on. */
    uint8_t counted;
    uint64_t steady_base;
    uint64_t longest_gap_ns;
};

struct detail {
    int kind;
    uint32_t connection;
    uint64_t offset;
    int expected; /* -1 when absent */
    int received;
    char message[256];
};

static struct {
    const char *host;
    long port;
    uint64_t connections;
    uint64_t bytes;
    uint64_t chunk;
    uint64_t window;
    int barrier;
    double timeout;
    double stall_timeout;
    double connect_timeout;
    uint64_t connect_concurrency;
    int no_delay;
    int json;
    unsigned source_addresses;
    int release_on_stdin;
    uint32_t source_base; /* first source address, host order; 0: none given */
    double duration;      /* > 0: duration mode */
    int worker;
    double ramp_timeout;
    double warmup;
    double starved_after;
    int send_during_ramp;
} opt = {
    .host = "127.0.0.1",
    .port = -1,
    .connections = 100,
    .bytes = 512 * 1024,
    .chunk = 32768,
    .window = 0,
    .timeout = 300,
    .stall_timeout = 10,
    .connect_timeout = 10,
    .connect_concurrency = 256,
    .no_delay = 1,
    .ramp_timeout = 60,
    .starved_after = 1,
};

static uint8_t *pattern;
static struct conn *conns;
static uint64_t *send_times; /* per connection, a ring of chunk send times */
static uint32_t ring_size;
static int epoll_fd;
static struct sockaddr_storage dest;
static socklen_t dest_length;
static uint8_t read_buffer[READ_BUFFER];

static double start_epoch_ms;
static uint64_t start_ns, connects_done_ns, bulk_start_ns, last_verified_ns, last_closed_ns;
static uint64_t next_to_connect, connecting_now, connects_settled, finished, completed, bytes_verified;
static int released, release_pending;
static double *completion_times;
static uint64_t error_counts[K_COUNT];
static struct detail details[MAX_DETAILS];
static int detail_count;

static void announce_connected(void);

/* ---------- duration mode state ---------- */
static uint64_t open_now, connected_count, failed_count;
static int ramp_done, ramp_complete, stop_now;
/* Duration mode: open connections the server has not echoed a byte on yet (still in its accept queue, say). */
static uint64_t unserved;
/* When the last connection got its first echo (or every connect settled): a server that echoes nothing ends the ramp. */
static uint64_t last_served_ns;
#define SERVE_IDLE_NS 5000000000ull
static uint64_t ramp_end_ns, ramp_connected, ramp_failed, ramp_pending, ramp_bytes;
static uint64_t steady_ns, steady_bytes_base, steady_failed, steady_due_ns;
static struct rusage steady_usage;
static void end_ramp(int complete);
static void release_barrier(void);
static void begin_steady_conn(struct conn *c, uint64_t now);

/* ---------- latency histogram: log-linear, microseconds, 1/512 relative resolution ---------- */
#define SUB_BITS 10
#define SUB_COUNT (1u << SUB_BITS)
#define HALF_COUNT (SUB_COUNT / 2)
#define BUCKETS (SUB_COUNT + (64 - SUB_BITS) * HALF_COUNT)
static uint64_t histogram[BUCKETS];
static uint64_t histogram_count, histogram_max;

static uint32_t bucket_of(uint64_t v) {
    if (v < SUB_COUNT) return (uint32_t)v;
    int msb = 63 - __builtin_clzll(v);
    int shift = msb - (SUB_BITS - 1);
    return SUB_COUNT + (uint32_t)(shift - 1) * HALF_COUNT + (uint32_t)((v >> shift) - HALF_COUNT);
}

/* Highest value that falls in the bucket (as HdrHistogram reports percentiles). */
static uint64_t bucket_top(uint32_t index) {
    if (index < SUB_COUNT) return index;
    uint32_t shift = (index - SUB_COUNT) / HALF_COUNT + 1;
    uint64_t mantissa = (index - SUB_COUNT) % HALF_COUNT + HALF_COUNT;
    return ((mantissa + 1) << shift) - 1;
}

static void record_latency(uint64_t micros) {
    if (micros < 1) micros = 1;
    histogram[bucket_of(micros)]++;
    histogram_count++;
    if (micros > histogram_max) histogram_max = micros;
}

static double percentile_ms(double percent) {
    if (histogram_count == 0) return 0;
    uint64_t rank = (uint64_t)floor(percent / 100.0 * (double)histogram_count + 0.5);
    if (rank < 1) rank = 1;
    uint64_t seen = 0;
    for (uint32_t i = 0; i < BUCKETS; i++) {
        seen += histogram[i];
        if (seen >= rank) {
            uint64_t top = bucket_top(i);
            return (double)(top < histogram_max ? top : histogram_max) / 1000.0;
        }
    }
    return (double)histogram_max / 1000.0;
}

/* ---------- helpers ---------- */
static inline uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static double epoch_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static inline uint8_t expected_byte(uint64_t connection, uint64_t offset) {
    return pattern[pattern_position(connection, offset)];
}

static void usage(FILE *to) {
    fprintf(to,
            "usage: flood --host H --port P --connections N --bytes X [options]\n"
            "  --host H                  server address (default 127.0.0.1)\n"
            "  --port P                  server port (required)\n"
            "  --connections N           connections (default 100)\n"
            "  --bytes X                 bytes each connection sends and verifies (default 524288)\n"
            "  --chunk C                 largest write, at most %u (default 32768)\n"
            "  --window W                most unechoed bytes per connection, >= C (default C)\n"
            "  --barrier                 open every connection before any payload flows\n"
            "  --timeout S               overall limit in seconds (default 300)\n"
            "  --stall-timeout S         fail a connection with no echo for S seconds (default 10)\n"
            "  --connect-timeout S       fail a connect taking longer than S seconds (default 10)\n"
            "  --connect-concurrency K   connects in flight at once (default 256)\n"
            "  --nodelay / --no-nodelay  TCP_NODELAY on the client sockets (default on)\n"
            "  --source-addresses K      spread connections over 127.0.0.1..127.0.0.K (IPv4 only)\n"
            "  --source-address A        bind connections to IPv4 address A (with --source-addresses K: A..A+K-1)\n"
            "  --release-on-stdin        with several flood processes: open every connection, say \"connected\" on\n"
            "                            stdout, and start the payload only when stdin is readable (a byte or EOF)\n"
            "  --duration S              duration mode: streams without end; after the ramp and --warmup, measure\n"
            "                            S seconds of echo and report throughput and per-connection fairness\n"
            "  --warmup S                duration mode: seconds between the end of the ramp and the steady state (0)\n"
            "  --ramp-timeout S          duration mode: the ramp ends after S seconds, every connect settled or not (60)\n"
            "  --starved-after S         duration mode: a connection this long without progress counts as starved (1)\n"
            "  --send-during-ramp        duration mode: each connection sends as soon as it opens\n"
            "  --worker                  duration mode driven by a parent: JSON events on stdout, start/stop on stdin\n"
            "  --json                    print one JSON report (src/engine/FloodResult.ts) on stdout\n",
            MAX_CHUNK);
}

static void die_usage(const char *format, ...) {
    va_list args;
    va_start(args, format);
    fputs("flood: ", stderr);
    vfprintf(stderr, format, args);
    fputs("\n", stderr);
    va_end(args);
    fputs("Run flood --help for the options.\n", stderr);
    exit(2);
}

static uint64_t parse_count(const char *option, const char *text, uint64_t min, uint64_t max) {
    char *end;
    errno = 0;
    if (text[0] == '-' || text[0] == '\0') die_usage("%s %s: must be a whole number from %llu to %llu", option, text,
                                                    (unsigned long long)min, (unsigned long long)max);
    unsigned long long value = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0' || value < min || value > max)
        die_usage("%s %s: must be a whole number from %llu to %llu", option, text, (unsigned long long)min,
                  (unsigned long long)max);
    return value;
}

static double parse_seconds(const char *option, const char *text) {
    char *end;
    errno = 0;
    double value = strtod(text, &end);
    if (errno != 0 || end == text || *end != '\0' || !(value > 0) || !isfinite(value))
        die_usage("%s %s: must be a number of seconds above 0, e.g. %s 10", option, text, option);
    return value;
}

static void parse_arguments(int argc, char **argv) {
    int window_given = 0;
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
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            usage(stdout);
            exit(0);
        }
        static const char *const flags[] = {"--barrier",          "--json",   "--nodelay", "--no-nodelay",
                                            "--release-on-stdin", "--worker", "--send-during-ramp"};
        int is_flag = 0;
        for (size_t f = 0; f < sizeof flags / sizeof flags[0]; f++) is_flag |= !strcmp(arg, flags[f]);
        if (is_flag) {
            if (value != NULL) die_usage("%s takes no value", arg);
            if (!strcmp(arg, "--barrier")) opt.barrier = 1;
            else if (!strcmp(arg, "--json")) opt.json = 1;
            else if (!strcmp(arg, "--nodelay")) opt.no_delay = 1;
            else if (!strcmp(arg, "--release-on-stdin")) opt.release_on_stdin = opt.barrier = 1;
            else if (!strcmp(arg, "--worker")) opt.worker = 1;
            else if (!strcmp(arg, "--send-during-ramp")) opt.send_during_ramp = 1;
            else opt.no_delay = 0;
            continue;
        }
        if (strncmp(arg, "--", 2) != 0) die_usage("unexpected argument %s", arg);
        if (value == NULL) {
            if (i + 1 >= argc) die_usage("%s needs a value", arg);
            value = argv[++i];
        }
        if (!strcmp(arg, "--host")) {
            if (value[0] == '\0') die_usage("--host must not be empty");
            opt.host = value;
        } else if (!strcmp(arg, "--port")) opt.port = (long)parse_count("--port", value, 1, 65535);
        else if (!strcmp(arg, "--connections")) opt.connections = parse_count("--connections", value, 1, 1u << 24);
        else if (!strcmp(arg, "--bytes")) opt.bytes = parse_count("--bytes", value, 1, 1ull << 50);
        else if (!strcmp(arg, "--chunk")) opt.chunk = parse_count("--chunk", value, 1, MAX_CHUNK);
        else if (!strcmp(arg, "--window")) {
            opt.window = parse_count("--window", value, 1, PATTERN_LENGTH);
            window_given = 1;
        } else if (!strcmp(arg, "--timeout")) opt.timeout = parse_seconds("--timeout", value);
        else if (!strcmp(arg, "--stall-timeout")) opt.stall_timeout = parse_seconds("--stall-timeout", value);
        else if (!strcmp(arg, "--connect-timeout")) opt.connect_timeout = parse_seconds("--connect-timeout", value);
        else if (!strcmp(arg, "--connect-concurrency"))
            opt.connect_concurrency = parse_count("--connect-concurrency", value, 1, 1u << 24);
        else if (!strcmp(arg, "--source-address")) {
            struct in_addr address;
            if (inet_pton(AF_INET, value, &address) != 1) die_usage("--source-address %s: must be an IPv4 address, e.g. 127.0.0.2", value);
            opt.source_base = ntohl(address.s_addr);
        } else if (!strcmp(arg, "--duration")) opt.duration = parse_seconds("--duration", value);
        else if (!strcmp(arg, "--ramp-timeout")) opt.ramp_timeout = parse_seconds("--ramp-timeout", value);
        else if (!strcmp(arg, "--starved-after")) opt.starved_after = parse_seconds("--starved-after", value);
        else if (!strcmp(arg, "--warmup")) {
            char *end;
            opt.warmup = strtod(value, &end);
            if (end == value || *end != '\0' || !(opt.warmup >= 0) || !isfinite(opt.warmup))
                die_usage("--warmup %s: must be a number of seconds from 0, e.g. --warmup 2", value);
        } else if (!strcmp(arg, "--source-addresses"))
            opt.source_addresses = (unsigned)parse_count("--source-addresses", value, 1, 254);
        else die_usage("unknown option %s", arg);
    }
    if (opt.port < 0) die_usage("--port is required: give the port the echo server listens on");
    if (opt.worker && opt.duration <= 0)
        die_usage("--worker needs --duration S (the longest it may run: its deadline)");
    if (opt.duration > 0) {
        if (opt.release_on_stdin || opt.barrier)
            die_usage("--duration: connections start together at the end of the ramp already; drop --barrier");
        /* Streams without end: no stream reaches this offset in any run (2^62 bytes). */
        opt.bytes = 1ull << 62;
        opt.timeout = opt.worker ? opt.duration : opt.ramp_timeout + opt.warmup + opt.duration + 30;
    }
    if (!window_given) opt.window = opt.chunk;
    if (opt.window < opt.chunk)
        die_usage("--window %llu: is smaller than the chunk (%llu), so no chunk could ever be sent. "
                  "Use --window %llu or more, or a smaller --chunk.",
                  (unsigned long long)opt.window, (unsigned long long)opt.chunk, (unsigned long long)opt.chunk);
}

/* ---------- failures and completion ---------- */
static void add_detail(int kind, uint64_t connection, uint64_t offset, int expected, int received, const char *message) {
    error_counts[kind]++;
    if (detail_count >= MAX_DETAILS) return;
    struct detail *d = &details[detail_count++];
    d->kind = kind;
    d->connection = (uint32_t)connection;
    d->offset = offset;
    d->expected = expected;
    d->received = received;
    snprintf(d->message, sizeof d->message, "%s", message);
}

/*
 * Duration mode: a completed connect only means the kernel finished the
 * handshake; the server may not have accepted it yet (a busy server leaves
 * hundreds in its accept queue for seconds). So all connections start sending
 * once every connect has settled, and the ramp ends when the server has
 * echoed a first byte on every open one: a steady state starting earlier
 * would count connections still queued as starved, and queue the probe's
 * connects behind them.
 */
static void ramp_progress(void) {
    if (ramp_done || connects_settled < opt.connections) return;
    last_served_ns = now_ns();
    if (!released) release_barrier();
    if (unserved == 0) end_ramp(1);
}

static void connect_settled(void) {
    connects_settled++;
    if (opt.duration > 0) {
        if (connects_settled == opt.connections) connects_done_ns = now_ns();
        ramp_progress();
        return;
    }
    if (connects_settled == opt.connections) {
        connects_done_ns = now_ns();
        if (opt.release_on_stdin) announce_connected();
        else if (!released) release_pending = 1;
    }
}

static void close_conn(struct conn *c) {
    if (c->state == S_CONNECTING) {
        connecting_now--;
        connect_settled();
    }
    if (c->state == S_CONNECTED || c->state == S_CLOSING) open_now--;
    const int was_unserved = c->state == S_CONNECTED && c->received == 0 && opt.duration > 0;
    if (c->fd >= 0) close(c->fd); /* also leaves the epoll set */
    c->fd = -1;
    c->state = S_DONE;
    free(c->diag);
    c->diag = NULL;
    finished++;
    if (was_unserved) {
        unserved--;
        ramp_progress();
    }
}

__attribute__((format(printf, 6, 7))) static void fail(struct conn *c, int kind, uint64_t offset, int expected,
                                                        int received, const char *format, ...) {
    if (c->state == S_DONE) return;
    uint64_t index = (uint64_t)(c - conns);
    char message[256];
    int used = snprintf(message, sizeof message, "connection %llu: ", (unsigned long long)index);
    va_list args;
    va_start(args, format);
    vsnprintf(message + used, sizeof message - (size_t)used, format, args);
    va_end(args);
    if (c->counted && !stop_now) steady_failed++;
    if (!stop_now) failed_count++;
    close_conn(c);
    add_detail(kind, index, offset, expected, received, message);
}

/* Every expected byte is verified: half-close, then wait for the server's EOF (closed_by_server). */
static void echoed(struct conn *c, uint64_t now) {
    c->state = S_CLOSING;
    c->verified_ns = now;
    c->last_progress_ns = now;
    shutdown(c->fd, SHUT_WR);
}

/* The server's EOF came with nothing before it: the connection succeeded. */
static void closed_by_server(struct conn *c, uint64_t now) {
    completion_times[completed++] = (double)(c->verified_ns - start_ns) / 1e9;
    if (c->verified_ns > last_verified_ns) last_verified_ns = c->verified_ns;
    last_closed_ns = now;
    close_conn(c);
}

static int kind_of_errno(int error) {
    switch (error) {
    case ECONNRESET:
    case EPIPE:
        return K_RESET;
    case ECONNREFUSED:
        return K_REFUSED;
    case EMFILE:
    case ENFILE:
        return K_EMFILE;
    default:
        return K_SOCKET_ERROR;
    }
}

static void fail_errno(struct conn *c, int error, const char *what) {
    const char *hint = error == EADDRNOTAVAIL ? " (no free local port: widen net.ipv4.ip_local_port_range or use "
                                                "--source-addresses)"
                                              : "";
    fail(c, kind_of_errno(error), c->received, -1, -1, "%s: %s%s", what, strerror(error), hint);
}

/* ---------- mismatch diagnosis (src/protocol/Verifier.ts) ---------- */
static int matches_from(uint64_t connection, const uint8_t *bytes, size_t from, uint64_t stream_offset, size_t length) {
    for (size_t k = 0; k < length; k++) {
        if (bytes[from + k] != expected_byte(connection, stream_offset + k)) return 0;
    }
    return 1;
}

/* `bytes[0]` is the first wrong byte, at `offset` in the stream; fails the connection with what it was. */
static void diagnose(struct conn *c, const uint8_t *bytes, size_t length, uint64_t offset) {
    uint64_t index = (uint64_t)(c - conns);
    int expected = expected_byte(index, offset);
    int received = bytes[0];
    size_t evidence = length < SHIFT_EVIDENCE ? length : SHIFT_EVIDENCE;
    if (evidence >= 4) {
        for (size_t shift = 1; shift <= MAX_SHIFT; shift++) {
            if (matches_from(index, bytes, 0, offset + shift, evidence)) {
                fail(c, K_MISSING, offset, expected, received, "stream lost %zu byte(s) at offset %llu", shift,
                     (unsigned long long)offset);
                return;
            }
            if (shift + evidence <= length && matches_from(index, bytes, shift, offset, evidence)) {
                fail(c, K_EXTRA, offset, expected, received, "stream gained %zu byte(s) at offset %llu", shift,
                     (unsigned long long)offset);
                return;
            }
        }
    }
    fail(c, K_CORRUPTED, offset, expected, received, "byte %llu is %d, expected %d", (unsigned long long)offset,
         received, expected);
}

static void diagnose_gathered(struct conn *c) {
    diagnose(c, c->diag, c->diag_len, c->diag_offset);
}

/* ---------- the per-connection hot path ---------- */
static void pump(struct conn *c) {
    if (!released) return;
    const uint64_t total = opt.bytes;
    const uint64_t index = (uint64_t)(c - conns);
    while (c->sent < total) {
        if (c->sent == c->chunk_end) {
            uint64_t length = total - c->sent < opt.chunk ? total - c->sent : opt.chunk;
            /* While a mismatch is being diagnosed, let up to MAX_SHIFT lost bytes not block the window. */
            int64_t unechoed = c->diagnosing ? (int64_t)c->sent - (int64_t)c->diag_raw_received
                                             : (int64_t)(c->sent - c->received);
            int64_t allowed = (int64_t)opt.window + (c->diagnosing ? MAX_SHIFT : 0);
            if (unechoed + (int64_t)length > allowed) return;
            uint64_t now = now_ns();
            send_times[index * ring_size + (c->sent / opt.chunk) % ring_size] = now;
            if (bulk_start_ns == 0) bulk_start_ns = now;
            c->chunk_end = c->sent + length;
        }
        size_t n = (size_t)(c->chunk_end - c->sent);
        ssize_t w = send(c->fd, pattern_view(pattern, index, c->sent), n, MSG_NOSIGNAL);
        if (w > 0) {
            c->sent += (uint64_t)w;
            if ((size_t)w < n) return; /* the kernel is full: EPOLLOUT brings us back */
        } else if (w < 0 && errno == EINTR) {
            continue;
        } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return;
        } else {
            int error = w < 0 ? errno : EPIPE;
            if (c->diagnosing) diagnose_gathered(c);
            else fail_errno(c, error, "write failed");
            return;
        }
    }
}

static void start_diagnosis(struct conn *c, const uint8_t *bytes, size_t length, uint64_t offset, uint64_t raw) {
    c->diag = malloc(DIAG_WANT);
    if (c->diag == NULL) {
        diagnose(c, bytes, length, offset);
        return;
    }
    memcpy(c->diag, bytes, length);
    c->diag_len = (uint8_t)length;
    c->diag_offset = offset;
    c->diag_raw_received = raw;
    c->diag_deadline_ns = now_ns() + DIAG_WAIT_NS;
    c->diagnosing = 1;
}

/* Enough gathered after a mismatch, or nothing more can honestly come (all sent and as much echoed). */
static int diagnosis_ready(const struct conn *c) {
    return c->diag_len >= DIAG_WANT || (c->sent == opt.bytes && c->diag_raw_received >= opt.bytes);
}

/* Takes `n` echoed bytes; returns 0 once the connection is finished (completed or failed). */
static int on_bytes(struct conn *c, const uint8_t *bytes, size_t n) {
    const uint64_t total = opt.bytes;
    const uint64_t index = (uint64_t)(c - conns);
    if (c->state == S_CLOSING) {
        fail(c, K_EXCESS, c->received, -1, bytes[0], "%zu byte(s) echoed beyond the %llu sent, before the server's EOF",
             n, (unsigned long long)c->sent);
        return 0;
    }
    if (c->diagnosing) {
        size_t take = DIAG_WANT - c->diag_len;
        if (take > n) take = n;
        memcpy(c->diag + c->diag_len, bytes, take);
        c->diag_len = (uint8_t)(c->diag_len + take);
        c->diag_raw_received += n;
        if (diagnosis_ready(c)) {
            diagnose_gathered(c);
            return 0;
        }
        return 1;
    }
    const uint64_t before = c->received;
    const uint64_t room = c->sent - before;
    const size_t usable = n < room ? n : (size_t)room;
    if (usable > 0 && memcmp(bytes, pattern_view(pattern, index, before), usable) != 0) {
        const uint8_t *expected = pattern_view(pattern, index, before);
        size_t at = 0;
        while (bytes[at] == expected[at]) at++;
        /* Diagnose from what follows the mismatch in this read, or gather a little more first. */
        if (n - at >= DIAG_WANT) {
            diagnose(c, bytes + at, n - at, before + at);
            return 0;
        }
        start_diagnosis(c, bytes + at, n - at, before + at, before + n);
        if (c->state == S_DONE) return 0;
        if (diagnosis_ready(c)) {
            diagnose_gathered(c);
            return 0;
        }
        return 1;
    }
    if (usable < n) {
        /* The server sent bytes we never sent (or not yet): an echo cannot run ahead. */
        fail(c, c->sent < total ? K_EXTRA : K_EXCESS, before + usable, -1, bytes[usable],
             "%zu byte(s) echoed beyond the %llu sent", n - usable, (unsigned long long)c->sent);
        return 0;
    }
    const uint64_t now = now_ns();
    if (before == 0 && usable > 0 && opt.duration > 0) {
        unserved--;
        ramp_progress();
    }
    c->received = before + usable;
    if (now - c->last_progress_ns > c->longest_gap_ns) c->longest_gap_ns = now - c->last_progress_ns;
    c->last_progress_ns = now;
    bytes_verified += usable;
    /* A chunk's round trip ends when its last byte is back. */
    const uint64_t chunk = opt.chunk;
    const uint64_t first_done = (before + 1 + chunk - 1) / chunk;
    const uint64_t last_done = c->received == total ? (total + chunk - 1) / chunk : c->received / chunk;
    const uint64_t *ring = send_times + index * ring_size;
    for (uint64_t k = first_done; k <= last_done; k++) {
        record_latency((now - ring[(k - 1) % ring_size] + 500) / 1000);
    }
    /* Keep reading: what follows must be the server's EOF and nothing else. */
    if (c->received == total) echoed(c, now);
    return 1;
}

static void on_readable(struct conn *c, uint32_t events) {
    for (;;) {
        ssize_t n = recv(c->fd, read_buffer, READ_BUFFER, 0);
        if (n > 0) {
            if (!on_bytes(c, read_buffer, (size_t)n)) return;
            /* A short read emptied the socket (a FIN behind it shows as EPOLLRDHUP). */
            if ((size_t)n < READ_BUFFER && !(events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))) return;
        } else if (n == 0) {
            if (c->state == S_CLOSING) closed_by_server(c, now_ns());
            else if (c->diagnosing) diagnose_gathered(c);
            else
                fail(c, K_TRUNCATED, c->received, -1, -1, "server closed after echoing %llu of %llu bytes",
                     (unsigned long long)c->received, (unsigned long long)opt.bytes);
            return;
        } else if (errno == EINTR) {
            continue;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return;
        } else {
            if (c->diagnosing) diagnose_gathered(c);
            else fail_errno(c, errno, "read failed");
            return;
        }
    }
}

static void connected(struct conn *c) {
    c->state = S_CONNECTED;
    c->last_progress_ns = now_ns();
    open_now++;
    unserved++;
    connected_count++;
    if (steady_ns > 0) begin_steady_conn(c, c->last_progress_ns);
    connect_settled();
    pump(c);
}

static void open_connection(uint64_t index) {
    struct conn *c = &conns[index];
    c->connect_start_ns = now_ns();
    int fd = socket(dest.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        int error = errno;
        connect_settled();
        fail_errno(c, error, "socket failed");
        return;
    }
    c->fd = fd;
    if (opt.no_delay) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    if (opt.source_addresses > 1 || opt.source_base != 0) {
        int one = 1;
        setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        struct sockaddr_in source = {.sin_family = AF_INET};
        uint32_t spread = opt.source_addresses > 1 ? opt.source_addresses : 1;
        uint32_t base = opt.source_base != 0 ? opt.source_base : 0x7f000001u;
        source.sin_addr.s_addr = htonl(base + (uint32_t)(index % spread));
        if (bind(fd, (struct sockaddr *)&source, sizeof source) < 0) {
            int error = errno;
            connect_settled();
            fail_errno(c, error, "bind to the source address failed");
            return;
        }
    }
    int result = connect(fd, (struct sockaddr *)&dest, dest_length);
    int error = result < 0 ? errno : 0;
    if (result < 0 && error != EINPROGRESS) {
        connect_settled();
        fail_errno(c, error, "connect failed");
        return;
    }
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.u64 = index};
    if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        error = errno;
        connect_settled();
        fail_errno(c, error, "epoll_ctl failed");
        return;
    }
    if (result == 0) {
        connected(c);
    } else {
        c->state = S_CONNECTING;
        connecting_now++;
    }
}

static void on_event(struct conn *c, uint32_t events) {
    if (c->state == S_CONNECTING) {
        if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
        int error = 0;
        socklen_t length = sizeof error;
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &error, &length) < 0) error = errno;
        if (error == 0 && (events & (EPOLLERR | EPOLLHUP))) error = ECONNRESET;
        if (error != 0) {
            fail_errno(c, error, "connect failed");
            return;
        }
        connecting_now--;
        connected(c);
        return;
    }
    if (c->state != S_CONNECTED && c->state != S_CLOSING) return;
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
        on_readable(c, events);
        if (c->state != S_CONNECTED) return;
    }
    pump(c);
}

static void release_barrier(void) {
    released = 1;
    release_pending = 0;
    uint64_t now = now_ns();
    for (uint64_t i = 0; i < opt.connections; i++) {
        struct conn *c = &conns[i];
        if (c->state != S_CONNECTED) continue;
        c->last_progress_ns = now;
        pump(c);
    }
}

/* ---------- barrier across flood processes (--release-on-stdin) ---------- */
#define STDIN_EVENT UINT64_MAX

static void watch_stdin(void) {
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.u64 = STDIN_EVENT};
    if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, STDIN_FILENO, &ev) < 0) {
        fprintf(stderr, "flood: --release-on-stdin: cannot watch stdin: %s\n", strerror(errno));
        exit(2);
    }
}

/* Our connections are all settled: tell the coordinator, then wait for its release on stdin. */
static void announce_connected(void) {
    fputs("connected\n", stdout);
    fflush(stdout);
}

static void on_stdin(void) {
    char byte;
    (void)!read(STDIN_FILENO, &byte, 1);
    epoll_ctl(epoll_fd, EPOLL_CTL_DEL, STDIN_FILENO, NULL);
    if (!released) release_barrier();
}

static void check_timers(uint64_t now) {
    const uint64_t stall_ns = (uint64_t)(opt.stall_timeout * 1e9);
    const uint64_t connect_ns = (uint64_t)(opt.connect_timeout * 1e9);
    if (opt.duration > 0 && now - start_ns >= (uint64_t)(opt.timeout * 1e9)) {
        /* Duration mode: the deadline stops the run, it fails nothing. */
        stop_now = 1;
        return;
    }
    if (now - start_ns >= (uint64_t)(opt.timeout * 1e9)) {
        /* Connections never opened count as timed out too. */
        for (uint64_t i = 0; i < opt.connections; i++) {
            struct conn *c = &conns[i];
            if (c->state == S_DONE) continue;
            if (i >= next_to_connect)
                fail(c, K_TIMEOUT, 0, -1, -1, "not opened within %g s", opt.timeout);
            else
                fail(c, K_TIMEOUT, c->received, -1, -1,
                     "%llu of %llu bytes echoed when the %g s timeout ended the flood",
                     (unsigned long long)c->received, (unsigned long long)opt.bytes, opt.timeout);
        }
        next_to_connect = opt.connections;
        return;
    }
    for (uint64_t i = 0; i < next_to_connect; i++) {
        struct conn *c = &conns[i];
        if (c->state == S_CONNECTING) {
            if (now - c->connect_start_ns > connect_ns)
                fail(c, K_CONNECT_TIMEOUT, 0, -1, -1, "connect took longer than %g s", opt.connect_timeout);
        } else if (c->state == S_CONNECTED) {
            if (c->diagnosing) {
                if (now >= c->diag_deadline_ns) diagnose_gathered(c);
            } else if (released && opt.duration <= 0 && now - c->last_progress_ns > stall_ns) {
                /* Connections held back by the barrier are waiting on us, not the server. */
                fail(c, K_STALLED, c->received, -1, -1,
                     "no echo for %g s after %llu of %llu bytes (%llu unechoed)", opt.stall_timeout,
                     (unsigned long long)c->received, (unsigned long long)opt.bytes,
                     (unsigned long long)(c->sent - c->received));
            }
        } else if (c->state == S_CLOSING && now - c->last_progress_ns > stall_ns) {
            fail(c, K_STALLED, c->received, -1, -1,
                 "no EOF from the server %g s after the client's half-close (all %llu bytes echoed)",
                 opt.stall_timeout, (unsigned long long)c->received);
        }
    }
}

/* ---------- open-files limit ---------- */
static void ensure_file_limit(void) {
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
    const rlim_t needed = (rlim_t)opt.connections + SPARE_FILES;
    if (limit.rlim_cur >= needed) return;
    if (limit.rlim_max == RLIM_INFINITY || limit.rlim_max >= needed) {
        limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? needed : limit.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &limit) == 0) return;
    } else {
        /* Raise it as far as allowed anyway, then say why that is not enough. */
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
    getrlimit(RLIMIT_NOFILE, &limit);
    fprintf(stderr,
            "flood: --connections %llu needs about %llu open files, but the open-files limit is %llu "
            "(hard limit %llu). Raise it before running (as root: `ulimit -n %llu`, or nofile in "
            "/etc/security/limits.conf, or LimitNOFILE= for a systemd unit), or split the connections over "
            "several flood processes.\n",
            (unsigned long long)opt.connections, (unsigned long long)needed, (unsigned long long)limit.rlim_cur,
            (unsigned long long)limit.rlim_max, (unsigned long long)needed);
    exit(2);
}

/* ---------- report ---------- */
static void json_string(FILE *out, const char *s) {
    fputc('"', out);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') fprintf(out, "\\%c", ch);
        else if (ch < 0x20) fprintf(out, "\\u%04x", ch);
        else fputc(ch, out);
    }
    fputc('"', out);
}

/* The histogram's non-empty buckets as [microseconds, count] pairs, so several processes' histograms merge. */
static void json_latency_buckets(FILE *out) {
    fputs(",\"latencyBuckets\":[", out);
    int first = 1;
    for (uint32_t i = 0; i < BUCKETS; i++) {
        if (histogram[i] == 0) continue;
        uint64_t top = bucket_top(i);
        fprintf(out, "%s[%llu,%llu]", first ? "" : ",", (unsigned long long)(top < histogram_max ? top : histogram_max),
                (unsigned long long)histogram[i]);
        first = 0;
    }
    fputc(']', out);
}

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* "errors":{…},"errorDetails":[…] of a report; written once for the flood and the duration mode. */
static void json_errors(FILE *out);

static void report(void) {
    uint64_t end = last_verified_ns > 0 ? last_verified_ns : now_ns();
    double seconds = (double)(end - start_ns) / 1e9;
    double connect_seconds = (double)((connects_done_ns > 0 ? connects_done_ns : end) - start_ns) / 1e9;
    double bulk_seconds = bulk_start_ns > 0 && end > bulk_start_ns ? (double)(end - bulk_start_ns) / 1e9 : 0;
    double close_seconds =
        last_closed_ns > last_verified_ns && last_verified_ns > 0 ? (double)(last_closed_ns - last_verified_ns) / 1e9 : 0;
    double mb_per_second = seconds > 0 ? (double)bytes_verified / seconds / 1e6 : 0;
    qsort(completion_times, completed, sizeof *completion_times, compare_doubles);
    double c_min = completed ? completion_times[0] : 0;
    double c_p50 = completed ? completion_times[(completed - 1) / 2] : 0;
    double c_max = completed ? completion_times[completed - 1] : 0;
    int ok = completed == opt.connections;
    double p50 = percentile_ms(50), p90 = percentile_ms(90), p99 = percentile_ms(99), p999 = percentile_ms(99.9);
    double max = (double)histogram_max / 1000.0;
    FILE *out = stdout;
    if (opt.json) {
        fprintf(out, "{\"ok\":%s,\"runtime\":\"native\",\"runtimeVersion\":", ok ? "true" : "false");
        json_string(out, COMPILER_VERSION);
        fputs(",\"host\":", out);
        json_string(out, opt.host);
        fprintf(out,
                ",\"port\":%ld,\"connections\":%llu,\"bytesPerConnection\":%llu,\"chunk\":%llu,\"window\":%llu,"
                "\"seconds\":%.6f,\"connectSeconds\":%.6f,\"bulkSeconds\":%.6f,\"closeSeconds\":%.6f,\"bytesVerified\":%llu,"
                "\"mbPerSecond\":%.3f,\"connectionsCompleted\":%llu,"
                "\"completion\":{\"min\":%.6f,\"p50\":%.6f,\"max\":%.6f},"
                "\"latency\":{\"count\":%llu,\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"p999\":%.3f,\"max\":%.3f},",
                opt.port, (unsigned long long)opt.connections, (unsigned long long)opt.bytes,
                (unsigned long long)opt.chunk, (unsigned long long)opt.window, seconds, connect_seconds,
                bulk_seconds, close_seconds, (unsigned long long)bytes_verified, mb_per_second, (unsigned long long)completed, c_min,
                c_p50, c_max, (unsigned long long)histogram_count, p50, p90, p99, p999, max);
        json_errors(out);
        fprintf(out, ",\"startedAtMs\":%.3f", start_epoch_ms);
        json_latency_buckets(out);
        fputs("}\n", out);
    } else {
        fprintf(out, "%s: %llu/%llu connections verified %llu bytes each to %s:%ld (chunk %llu, window %llu%s)\n",
                ok ? "ok" : "FAILED", (unsigned long long)completed, (unsigned long long)opt.connections,
                (unsigned long long)opt.bytes, opt.host, opt.port, (unsigned long long)opt.chunk,
                (unsigned long long)opt.window, opt.barrier ? ", barrier" : "");
        fprintf(out, "  %.3f s total, %.3f s connecting, %.3f s bulk, %.3f s closing; %llu bytes verified, %.1f MB/s\n",
                seconds, connect_seconds, bulk_seconds, close_seconds, (unsigned long long)bytes_verified,
                mb_per_second);
        fprintf(out, "  completion min/median/max %.3f / %.3f / %.3f s\n", c_min, c_p50, c_max);
        fprintf(out, "  chunk round trip ms: p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f  (%llu chunks)\n", p50,
                p90, p99, p999, max, (unsigned long long)histogram_count);
        for (int k = 0; k < K_COUNT; k++) {
            if (error_counts[k]) fprintf(out, "  %s: %llu\n", kind_names[k], (unsigned long long)error_counts[k]);
        }
        for (int i = 0; i < detail_count; i++) fprintf(out, "  - %s: %s\n", kind_names[details[i].kind], details[i].message);
    }
    fflush(out);
}

/* ---------- duration mode: ramp, steady state, ticks, commands, report ---------- */
static void end_ramp(int complete) {
    if (ramp_done) return;
    ramp_done = 1;
    ramp_complete = complete;
    ramp_end_ns = now_ns();
    ramp_connected = connected_count;
    ramp_failed = failed_count;
    ramp_pending = opt.connections - connects_settled;
    ramp_bytes = bytes_verified;
    if (!released) release_barrier();
    steady_due_ns = opt.worker ? 0 : ramp_end_ns + (uint64_t)(opt.warmup * 1e9);
    if (opt.worker) {
        printf("{\"_tag\":\"ramped\",\"seconds\":%.6f,\"connected\":%llu,\"failed\":%llu,\"pending\":%llu,"
               "\"complete\":%s,\"bytesVerified\":%llu}\n",
               (double)(ramp_end_ns - start_ns) / 1e9, (unsigned long long)ramp_connected,
               (unsigned long long)ramp_failed, (unsigned long long)ramp_pending, complete ? "true" : "false",
               (unsigned long long)ramp_bytes);
        fflush(stdout);
    }
}

static void begin_steady_conn(struct conn *c, uint64_t now) {
    c->counted = 1;
    c->steady_base = c->received;
    c->last_progress_ns = now;
    c->longest_gap_ns = 0;
}

static void begin_steady(void) {
    if (steady_ns > 0 || stop_now) return;
    uint64_t now = now_ns();
    steady_ns = now;
    steady_bytes_base = bytes_verified;
    getrusage(RUSAGE_SELF, &steady_usage);
    for (uint64_t i = 0; i < opt.connections; i++) {
        struct conn *c = &conns[i];
        if (c->state == S_CONNECTED) begin_steady_conn(c, now);
    }
    if (opt.worker) {
        fputs("{\"_tag\":\"steady\"}\n", stdout);
        fflush(stdout);
    }
}

static void emit_tick(void) {
    printf("{\"_tag\":\"tick\",\"at\":%.3f,\"bytesVerified\":%llu,\"open\":%llu,\"failed\":%llu}\n", epoch_ms(),
           (unsigned long long)bytes_verified, (unsigned long long)open_now, (unsigned long long)failed_count);
    fflush(stdout);
}

/* The parent's commands, one a line: "start" begins the steady state, "stop" (or the end of stdin) ends the run. */
static void on_command(void) {
    static char line[64];
    static size_t used;
    char buffer[256];
    ssize_t n = read(STDIN_FILENO, buffer, sizeof buffer);
    if (n <= 0) {
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
        epoll_ctl(epoll_fd, EPOLL_CTL_DEL, STDIN_FILENO, NULL);
        stop_now = 1;
        return;
    }
    for (ssize_t k = 0; k < n; k++) {
        if (buffer[k] != '\n') {
            if (used < sizeof line - 1) line[used++] = buffer[k];
            continue;
        }
        line[used] = '\0';
        used = 0;
        if (!strcmp(line, "start")) begin_steady();
        else if (!strcmp(line, "stop")) stop_now = 1;
    }
}

static double seconds_between(uint64_t from, uint64_t to) {
    return to > from ? (double)(to - from) / 1e9 : 0;
}

static double rusage_seconds(struct timeval t) {
    return (double)t.tv_sec + (double)t.tv_usec / 1e6;
}

static void json_errors(FILE *out) {
    fputs("\"errors\":{", out);
    int first = 1;
    for (int k = 0; k < K_COUNT; k++) {
        if (error_counts[k] == 0) continue;
        fprintf(out, "%s\"%s\":%llu", first ? "" : ",", kind_names[k], (unsigned long long)error_counts[k]);
        first = 0;
    }
    fputs("},\"errorDetails\":[", out);
    for (int i = 0; i < detail_count; i++) {
        struct detail *d = &details[i];
        fprintf(out, "%s{\"kind\":\"%s\",\"connection\":%u,\"offset\":%llu", i ? "," : "", kind_names[d->kind],
                d->connection, (unsigned long long)d->offset);
        if (d->expected >= 0) fprintf(out, ",\"expected\":%d", d->expected);
        if (d->received >= 0) fprintf(out, ",\"received\":%d", d->received);
        fputs(",\"message\":", out);
        json_string(out, d->message);
        fputc('}', out);
    }
    fputc(']', out);
}

/* As SaturationEngine.ts: sorted[min(n-1, floor((n-1)p))]. */
static double sorted_percentile(const double *sorted, uint64_t n, double p) {
    if (n == 0) return 0;
    uint64_t at = (uint64_t)floor((double)(n - 1) * p);
    return sorted[at < n - 1 ? at : n - 1];
}

static void report_duration(void) {
    uint64_t end = now_ns();
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    uint64_t ramp_end = ramp_done ? ramp_end_ns : end;
    uint64_t steady_from = steady_ns > 0 ? steady_ns : end;
    double seconds = seconds_between(steady_from, end);
    uint64_t ramp_total_bytes = steady_ns > 0 ? steady_bytes_base : bytes_verified;
    uint64_t steady_bytes = bytes_verified - ramp_total_bytes;
    /* Fairness over the connections counted in the steady state (failed ones keep their frozen progress). */
    double *rates = calloc(opt.connections + 1, sizeof *rates);
    double *gaps = calloc(opt.connections + 1, sizeof *gaps);
    uint64_t counted = 0, starved = 0, never = 0;
    double total_rate = 0;
    for (uint64_t i = 0; rates != NULL && gaps != NULL && i < opt.connections; i++) {
        struct conn *c = &conns[i];
        if (!c->counted) continue;
        uint64_t bytes = c->received - c->steady_base;
        double gap = (double)(c->longest_gap_ns > end - c->last_progress_ns ? c->longest_gap_ns
                                                                              : end - c->last_progress_ns) / 1e9;
        rates[counted] = seconds > 0 ? (double)bytes / seconds : 0;
        gaps[counted] = gap;
        total_rate += rates[counted];
        if (gap > opt.starved_after) starved++;
        if (bytes == 0) never++;
        counted++;
    }
    qsort(rates, counted, sizeof *rates, compare_doubles);
    qsort(gaps, counted, sizeof *gaps, compare_doubles);
    FILE *out = stdout;
    if (!opt.json && !opt.worker) {
        fprintf(out, "%llu connections, %.1f s steady state after a %.1f s ramp: %.1f MB/s echoed and verified\n",
                (unsigned long long)opt.connections, seconds, seconds_between(start_ns, ramp_end),
                seconds > 0 ? (double)steady_bytes / seconds / 1e6 : 0);
        fprintf(out, "  per connection B/s: min %.0f  p10 %.0f  median %.0f  max %.0f; %llu starved (> %g s), %llu "
                     "without progress\n",
                counted ? rates[0] : 0, sorted_percentile(rates, counted, 0.1), sorted_percentile(rates, counted, 0.5),
                counted ? rates[counted - 1] : 0, (unsigned long long)starved, opt.starved_after,
                (unsigned long long)never);
        for (int k = 0; k < K_COUNT; k++) {
            if (error_counts[k]) fprintf(out, "  %s: %llu\n", kind_names[k], (unsigned long long)error_counts[k]);
        }
        fflush(out);
        return;
    }
    if (opt.worker) fputs("{\"_tag\":\"client-result\",\"report\":", out);
    fputs("{\"runtime\":\"native\",\"runtimeVersion\":", out);
    json_string(out, COMPILER_VERSION);
    fprintf(out,
            ",\"connections\":%llu,\"chunk\":%llu,\"window\":%llu,"
            "\"ramp\":{\"seconds\":%.6f,\"connected\":%llu,\"failed\":%llu,\"pending\":%llu,\"complete\":%s,"
            "\"bytesVerified\":%llu},"
            "\"warmup\":{\"seconds\":%.6f,\"bytesVerified\":%llu},"
            "\"steady\":{\"seconds\":%.6f,\"bytesVerified\":%llu,\"mbPerSecond\":%.3f,\"connectionsFailed\":%llu,"
            "\"connectionsOpen\":%llu},",
            (unsigned long long)opt.connections, (unsigned long long)opt.chunk, (unsigned long long)opt.window,
            seconds_between(start_ns, ramp_end), (unsigned long long)(ramp_done ? ramp_connected : connected_count),
            (unsigned long long)(ramp_done ? ramp_failed : failed_count),
            (unsigned long long)(ramp_done ? ramp_pending : opt.connections - connects_settled),
            ramp_done && ramp_complete ? "true" : "false", (unsigned long long)(ramp_done ? ramp_bytes : bytes_verified),
            seconds_between(ramp_end, steady_from),
            (unsigned long long)(ramp_total_bytes - (ramp_done ? ramp_bytes : ramp_total_bytes)), seconds,
            (unsigned long long)steady_bytes, seconds > 0 ? (double)steady_bytes / seconds / 1e6 : 0,
            (unsigned long long)steady_failed, (unsigned long long)open_now);
    fprintf(out,
            "\"fairness\":{\"connections\":%llu,\"minBytesPerSecond\":%.3f,\"p10BytesPerSecond\":%.3f,"
            "\"medianBytesPerSecond\":%.3f,\"maxBytesPerSecond\":%.3f,\"starved\":%llu,\"starvedShare\":%.6f,"
            "\"starvedAfterSeconds\":%g,\"neverProgressed\":%llu,\"fairCycleSeconds\":%.6f,"
            "\"medianLongestGapSeconds\":%.6f,\"maxLongestGapSeconds\":%.6f},",
            (unsigned long long)counted, counted ? rates[0] : 0, sorted_percentile(rates, counted, 0.1),
            sorted_percentile(rates, counted, 0.5), counted ? rates[counted - 1] : 0, (unsigned long long)starved,
            counted ? (double)starved / (double)counted : 0, opt.starved_after, (unsigned long long)never,
            total_rate > 0 ? (double)counted * (double)opt.window / total_rate : 0,
            sorted_percentile(gaps, counted, 0.5), counted ? gaps[counted - 1] : 0);
    json_errors(out);
    double user = rusage_seconds(usage.ru_utime), system = rusage_seconds(usage.ru_stime);
    if (steady_ns > 0) {
        user -= rusage_seconds(steady_usage.ru_utime);
        system -= rusage_seconds(steady_usage.ru_stime);
    } else {
        user = system = 0;
    }
    fprintf(out, ",\"cpuUserSeconds\":%.6f,\"cpuSystemSeconds\":%.6f,\"peakRssBytes\":%llu}%s\n", user, system,
            (unsigned long long)usage.ru_maxrss * 1024ull, opt.worker ? "}" : "");
    fflush(out);
    free(rates);
    free(gaps);
}

/* Duration mode: one run, ramp to stop; returns when stopped. */
static void run_duration(void) {
    const int tick_ms = 50;
    uint64_t next_check = 0, next_tick = 0;
    struct epoll_event events[MAX_EVENTS];
    uint64_t ramp_deadline = start_ns + (uint64_t)(opt.ramp_timeout * 1e9);
    while (!stop_now) {
        while (connecting_now < opt.connect_concurrency && next_to_connect < opt.connections) {
            open_connection(next_to_connect++);
        }
        int n = epoll_wait(epoll_fd, events, MAX_EVENTS, tick_ms);
        if (n < 0 && errno != EINTR) {
            fprintf(stderr, "flood: epoll_wait: %s\n", strerror(errno));
            exit(1);
        }
        for (int i = 0; i < n; i++) {
            if (events[i].data.u64 == STDIN_EVENT) on_command();
            else on_event(&conns[events[i].data.u64], events[i].events);
        }
        uint64_t now = now_ns();
        if (!ramp_done && now >= ramp_deadline) end_ramp(0);
        /* No connection served for a while: the rest are not coming before the timeout either (or never). */
        if (!ramp_done && last_served_ns > 0 && now - last_served_ns >= SERVE_IDLE_NS) end_ramp(0);
        if (!opt.worker && ramp_done && steady_ns == 0 && now >= steady_due_ns) begin_steady();
        if (!opt.worker && steady_ns > 0 && now >= steady_ns + (uint64_t)(opt.duration * 1e9)) stop_now = 1;
        if (opt.worker && now >= next_tick) {
            emit_tick();
            next_tick = now + 250000000ull;
        }
        if (now >= next_check) {
            check_timers(now);
            next_check = now + (uint64_t)tick_ms * 1000000ull;
        }
    }
    if (opt.worker) emit_tick();
    report_duration();
}

/* ---------- main ---------- */
static void resolve_destination(void) {
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
    struct addrinfo *found = NULL;
    char port_text[24];
    snprintf(port_text, sizeof port_text, "%ld", opt.port);
    int gai = getaddrinfo(opt.host, port_text, &hints, &found);
    if (gai != 0) die_usage("--host %s: cannot resolve it: %s", opt.host, gai_strerror(gai));
    struct addrinfo *chosen = found;
    for (struct addrinfo *a = found; a != NULL; a = a->ai_next) {
        if (a->ai_family == AF_INET) {
            chosen = a;
            break;
        }
    }
    memcpy(&dest, chosen->ai_addr, chosen->ai_addrlen);
    dest_length = chosen->ai_addrlen;
    freeaddrinfo(found);
    if ((opt.source_addresses > 1 || opt.source_base != 0) && dest.ss_family != AF_INET)
        die_usage("--source-addresses needs an IPv4 --host (it binds to 127.0.0.1..127.0.0.K)");
}

int main(int argc, char **argv) {
    parse_arguments(argc, argv);
    resolve_destination();
    ensure_file_limit();
    signal(SIGPIPE, SIG_IGN);

    pattern = pattern_build();
    ring_size = (uint32_t)((opt.window + opt.chunk - 1) / opt.chunk + 1);
    conns = calloc(opt.connections, sizeof *conns);
    send_times = calloc(opt.connections * ring_size, sizeof *send_times);
    completion_times = calloc(opt.connections, sizeof *completion_times);
    epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (pattern == NULL || conns == NULL || send_times == NULL || completion_times == NULL || epoll_fd < 0) {
        fprintf(stderr, "flood: setup failed: %s\n", strerror(errno ? errno : ENOMEM));
        return 1;
    }
    for (uint64_t i = 0; i < opt.connections; i++) conns[i].fd = -1;
    released = opt.duration > 0 ? opt.send_during_ramp : !opt.barrier;
    if (opt.release_on_stdin || opt.worker) watch_stdin();

    const int tick_ms = 50;
    uint64_t next_check = 0;
    struct epoll_event events[MAX_EVENTS];
    start_ns = now_ns();
    start_epoch_ms = epoch_ms();
    if (opt.duration > 0) {
        run_duration();
        return 0;
    }
    while (finished < opt.connections) {
        while (connecting_now < opt.connect_concurrency && next_to_connect < opt.connections) {
            open_connection(next_to_connect++);
        }
        if (release_pending) release_barrier();
        if (finished >= opt.connections) break;
        int n = epoll_wait(epoll_fd, events, MAX_EVENTS, tick_ms);
        if (n < 0 && errno != EINTR) {
            fprintf(stderr, "flood: epoll_wait: %s\n", strerror(errno));
            return 1;
        }
        for (int i = 0; i < n; i++) {
            if (events[i].data.u64 == STDIN_EVENT) on_stdin();
            else on_event(&conns[events[i].data.u64], events[i].events);
        }
        uint64_t now = now_ns();
        if (now >= next_check) {
            check_timers(now);
            next_check = now + (uint64_t)tick_ms * 1000000ull;
        }
    }
    report();
    return completed == opt.connections ? 0 : 1;
}
