/*
 * A compiled HTTP/1.1 load generator for the protocol bench (test/bench/protocol.ts compiles it with the system's
 * cc): keep-alive POSTs of one body over N connections for S seconds, one request in flight per connection, driven
 * by epoll, so the generator is never what limits a Node server's throughput (autocannon, in JavaScript, can be).
 *
 *   loadgen <host> <port> <path> <body-file> <connections> <seconds> [header-line ...]
 *
 * Prints one JSON line: {"requests":..,"rps":..,"p50Ms":..,"p99Ms":..,"non2xx":..,"errors":..}.
 * Responses are read by Content-Length or chunked transfer coding.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF 65536
#define BUCKETS 200000 /* latency histogram: 10 us buckets up to 2 s */

typedef struct {
  int fd;
  char buf[BUF];
  size_t len;
  double sent_at;
  size_t written;
} conn_t;

static char *request;
static size_t request_len;
static long histogram[BUCKETS];
static long done_count, non2xx, errors;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static int open_conn(const char *host, int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
  inet_pton(AF_INET, host, &addr.sin_addr);
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0 && errno != EINPROGRESS) return -1;
  return fd;
}

/* The length of a complete response at the start of buf, 0 while incomplete; *status gets its status code. */
static size_t complete_response(const char *buf, size_t len, int *status) {
  const char *end = memmem(buf, len, "\r\n\r\n", 4);
  if (!end) return 0;
  size_t head = (size_t)(end - buf) + 4;
  *status = atoi(buf + 9);
  const char *p = buf;
  long content_length = -1;
  int chunked = 0;
  while (p < end) {
    const char *line_end = memmem(p, (size_t)(end - p) + 2, "\r\n", 2);
    if (!line_end) break;
    if (strncasecmp(p, "content-length:", 15) == 0) content_length = atol(p + 15);
    if (strncasecmp(p, "transfer-encoding:", 18) == 0 && memmem(p, (size_t)(line_end - p), "chunked", 7)) chunked = 1;
    p = line_end + 2;
  }
  if (!chunked) {
    if (content_length < 0) content_length = 0;
    return len >= head + (size_t)content_length ? head + (size_t)content_length : 0;
  }
  size_t at = head;
  for (;;) {
    const char *size_end = memmem(buf + at, len - at, "\r\n", 2);
    if (!size_end) return 0;
    long size = strtol(buf + at, NULL, 16);
    size_t next = (size_t)(size_end - buf) + 2 + (size_t)size + 2;
    if (next > len) return 0;
    if (size == 0) return next;
    at = next;
  }
}

static void send_request(conn_t *c) {
  c->sent_at = now();
  c->written = 0;
  while (c->written < request_len) {
    ssize_t n = write(c->fd, request + c->written, request_len - c->written);
    if (n <= 0) return; /* the rest goes out when the socket is writable */
    c->written += (size_t)n;
  }
}

int main(int argc, char **argv) {
  if (argc < 7) {
    fprintf(stderr, "usage: loadgen host port path body-file connections seconds [header ...]\n");
    return 2;
  }
  const char *host = argv[1];
  int port = atoi(argv[2]);
  int connections = atoi(argv[5]);
  double seconds = atof(argv[6]);
  FILE *f = fopen(argv[4], "rb");
  if (!f) return 2;
  static char body[BUF];
  size_t body_len = fread(body, 1, sizeof body, f);
  fclose(f);
  char headers[8192] = "";
  for (int i = 7; i < argc; i++) {
    strcat(headers, argv[i]);
    strcat(headers, "\r\n");
  }
  request = malloc(BUF + sizeof headers + 512);
  request_len = (size_t)sprintf(request,
                                "POST %s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\nAccept: "
                                "application/json, text/event-stream\r\n%sContent-Length: %zu\r\n\r\n",
                                argv[3], host, port, headers, body_len);
  memcpy(request + request_len, body, body_len);
  request_len += body_len;

  int ep = epoll_create1(0);
  conn_t *conns = calloc((size_t)connections, sizeof(conn_t));
  for (int i = 0; i < connections; i++) {
    conns[i].fd = open_conn(host, port);
    if (conns[i].fd < 0) return 1;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = &conns[i]};
    epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
    conns[i].written = request_len; /* nothing pending until connected */
    conns[i].sent_at = -1;
  }
  double start = now(), stop = start + seconds;
  struct epoll_event events[256];
  while (now() < stop) {
    int n = epoll_wait(ep, events, 256, 100);
    for (int i = 0; i < n; i++) {
      conn_t *c = events[i].data.ptr;
      if ((events[i].events & EPOLLOUT) && c->sent_at < 0) send_request(c);
      else if ((events[i].events & EPOLLOUT) && c->written < request_len) {
        ssize_t w = write(c->fd, request + c->written, request_len - c->written);
        if (w > 0) c->written += (size_t)w;
      }
      if (!(events[i].events & EPOLLIN)) continue;
      ssize_t r = read(c->fd, c->buf + c->len, BUF - c->len);
      if (r <= 0) {
        errors++;
        close(c->fd);
        c->fd = open_conn(host, port);
        c->len = 0;
        c->sent_at = -1;
        c->written = request_len;
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
        epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
        continue;
      }
      c->len += (size_t)r;
      int status = 0;
      size_t used = complete_response(c->buf, c->len, &status);
      if (!used) continue;
      double latency = now() - c->sent_at;
      long bucket = (long)(latency * 1e5);
      histogram[bucket < BUCKETS ? bucket : BUCKETS - 1]++;
      done_count++;
      if (status < 200 || status > 299) non2xx++;
      memmove(c->buf, c->buf + used, c->len - used);
      c->len -= used;
      send_request(c);
    }
    /* Only level-triggered writability matters once per request: stop watching EPOLLOUT when nothing is pending. */
    for (int i = 0; i < connections; i++) {
      struct epoll_event ev = {.events = EPOLLIN | (conns[i].written < request_len || conns[i].sent_at < 0 ? EPOLLOUT : 0),
                               .data.ptr = &conns[i]};
      epoll_ctl(ep, EPOLL_CTL_MOD, conns[i].fd, &ev);
    }
  }
  double elapsed = now() - start;
  long seen = 0, p50 = -1, p99 = -1;
  for (long b = 0; b < BUCKETS; b++) {
    seen += histogram[b];
    if (p50 < 0 && seen * 2 >= done_count) p50 = b;
    if (p99 < 0 && seen * 100 >= done_count * 99) p99 = b;
  }
  printf("{\"requests\":%ld,\"rps\":%.0f,\"p50Ms\":%.2f,\"p99Ms\":%.2f,\"non2xx\":%ld,\"errors\":%ld}\n", done_count,
         done_count / elapsed, p50 / 100.0, p99 / 100.0, non2xx, errors);
  return 0;
}
