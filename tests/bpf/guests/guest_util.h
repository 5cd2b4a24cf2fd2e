// SPDX-License-Identifier: MIT
/* Small helpers shared by the test guests (header-only, static). */
#ifndef WB_TEST_GUEST_UTIL_H
#define WB_TEST_GUEST_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wasm_bpf_imports.h"

static inline int64_t wbt_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline void wbt_sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Prints a line and flushes it at once: the tests read stdout while the guest runs. */
#define WBT_SAY(...)            \
  do {                          \
    printf(__VA_ARGS__);        \
    fflush(stdout);             \
  } while (0)

/* Loads an embedded object or exits with status 10. */
static inline int64_t wbt_load_or_die(const unsigned char *obj, unsigned int len, const char *what) {
  int64_t h = wasm_load_bpf_object(obj, (int)len);
  if (h == 0) {
    WBT_SAY("load %s: failed\n", what);
    exit(10);
  }
  return h;
}

/* Attaches or exits with status 11. */
static inline void wbt_attach_or_die(int64_t obj, const char *prog, const char *target) {
  int r = wasm_attach_bpf_program(obj, prog, target);
  if (r < 0) {
    WBT_SAY("attach %s%s%s: %d\n", prog, target ? " to " : "", target ? target : "", r);
    exit(11);
  }
}

/* The fd of a map or exit with status 12. */
static inline int wbt_map_fd_or_die(int64_t obj, const char *name) {
  int fd = wasm_bpf_map_fd_by_name(obj, name);
  if (fd < 0) {
    WBT_SAY("map %s: %d\n", name, fd);
    exit(12);
  }
  return fd;
}

/* This process's pid on the host, read from the host's /proc when the test maps it with
 * `--dir /proc::/proc:ro`; 0 when unknown. */
static inline unsigned int wbt_host_pid(void) {
  char buf[32];
  ssize_t n = readlink("/proc/self", buf, sizeof buf - 1);
  if (n <= 0) return 0;
  buf[n] = 0;
  return (unsigned int)strtoul(buf, NULL, 10);
}

#endif
