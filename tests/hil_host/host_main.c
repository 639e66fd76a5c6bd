/* The HIL protocol on the host: a test-only HAL over a TCP socket (the device listens like QEMU's
   `-serial tcp::PORT,server=on`), a boot text line, then tl_protocol_serve. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tl_hal.h"
#include "tl_protocol.h"

static int conn = -1;
static int listen_port;

void tl_hal_init(void) {
  struct sockaddr_in addr;
  int one = 1;
  socklen_t len = sizeof addr;
  int server = socket(AF_INET, SOCK_STREAM, 0);
  setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons((uint16_t)listen_port);
  if (bind(server, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(server, 1) != 0) {
    perror("bind");
    exit(3);
  }
  getsockname(server, (struct sockaddr *)&addr, &len);
  fprintf(stderr, "listening on %d\n", ntohs(addr.sin_port));
  fflush(stderr);
  conn = accept(server, NULL, NULL);
  close(server);
  setsockopt(conn, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

void tl_hal_write(const uint8_t *buf, size_t n) {
  while (n > 0) {
    ssize_t sent = send(conn, buf, n, MSG_NOSIGNAL);
    if (sent <= 0) exit(0); /* the host went away */
    buf += sent;
    n -= (size_t)sent;
  }
}

size_t tl_hal_read(uint8_t *buf, size_t max) {
  ssize_t got = recv(conn, buf, max, MSG_DONTWAIT);
  if (got == 0) exit(0);
  return got < 0 ? 0u : (size_t)got;
}

void tl_hal_wait_for_input(void) {
  struct pollfd p = {conn, POLLIN, 0};
  poll(&p, 1, -1);
}

uint32_t tl_hal_rx_overflows(void) { return 0; }

uint32_t tl_hal_counter(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint32_t)((uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u);
}

const char *tl_hal_counter_unit(void) { return "microseconds"; }
uint32_t tl_hal_counter_outside_interrupts(void) { return tl_hal_counter(); } /* no interrupts on the host */
void tl_hal_led(int on) { (void)on; }
void tl_hal_exit(int code) { exit(code); }

int main(int argc, char **argv) {
  static const char boot[] = "tinylarge host-test boot\r\n";
  listen_port = argc > 1 ? atoi(argv[1]) : 0;
  tl_hal_init();
  tl_hal_write((const uint8_t *)boot, sizeof boot - 1u);
  tl_protocol_serve();
}
