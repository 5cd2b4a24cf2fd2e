// SPDX-License-Identifier: MIT
/* The wasm side of the event-throughput benchmark (see native_consumer.c, same protocol).
 *
 *   throughput_guest RECORDS BATCH [PID]
 *
 * The host pid (the process whose sched_yield() triggers a batch) comes from PID or from
 * readlink("/proc/self"): run with --dir /proc::/proc. */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "throughput.embed.h"
#include "throughput.h"
#include "wasm_bpf_imports.h"

_Static_assert(sizeof(struct wbb_record) == 16, "layout");
_Static_assert(sizeof(struct wbb_cfg) == 24, "layout");

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

struct counter {
  unsigned long long received;
  unsigned long long next_seq;
  unsigned int batch_size;
  int in_order;
};

static int on_record(void *ctx, void *data, unsigned int size) {
  struct counter *c = ctx;
  const struct wbb_record *r = data;
  if (size < sizeof *r || r->seq != c->next_seq) c->in_order = 0;
  c->received++;
  c->next_seq = r->seq + 1 == c->batch_size ? 0 : r->seq + 1;
  return 0;
}

static unsigned int host_pid(void) {
  char buf[32];
  ssize_t n = readlink("/proc/self", buf, sizeof buf - 1);
  if (n <= 0) return 0;
  buf[n] = 0;
  return (unsigned int)strtoul(buf, NULL, 10);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: throughput_guest RECORDS BATCH [PID]\n");
    return 64;
  }
  unsigned long long records = strtoull(argv[1], NULL, 10);
  unsigned int batch = (unsigned int)strtoul(argv[2], NULL, 10);
  struct wbb_cfg cfg = {0};
  cfg.tgid = argc > 3 ? (unsigned int)strtoul(argv[3], NULL, 10) : host_pid();
  cfg.batch_size = batch;
  if (cfg.tgid == 0) {
    fprintf(stderr, "throughput_guest: unknown host pid: pass PID or run with --dir /proc::/proc\n");
    return 64;
  }
  int64_t obj = wasm_load_bpf_object(throughput_bpf_o, (int)throughput_bpf_o_len);
  if (obj == 0) {
    fprintf(stderr, "throughput_guest: cannot load the BPF object\n");
    return 2;
  }
  int cfg_fd = wasm_bpf_map_fd_by_name(obj, "cfg");
  unsigned int zero = 0;
  if (wasm_bpf_map_operate(cfg_fd, WB_MAP_UPDATE, &zero, &cfg, NULL, WB_BPF_ANY) != 0 ||
      wasm_attach_bpf_program(obj, "wbb_trigger", NULL) != 0) {
    fprintf(stderr, "throughput_guest: cannot configure or attach\n");
    return 2;
  }
  int rb = wasm_bpf_map_fd_by_name(obj, "rb");
  static struct wbb_record buf;
  struct counter c = {0, 0, batch, 1};
  printf("attached\n");
  fflush(stdout);

  unsigned long long batches = (records + batch - 1) / batch;
  long long produce_ns = 0, consume_ns = 0;
  long long t0 = now_ns();
  for (unsigned long long b = 0; b < batches; ++b) {
    long long a = now_ns();
    sched_yield(); /* WASI sched_yield: the host's sched_yield() runs the BPF batch */
    long long m = now_ns();
    unsigned long long want = (b + 1) * batch;
    while (c.received < want) {
      int n = wasm_bpf_buffer_poll(obj, rb, on_record, &c, &buf, sizeof buf, 0);
      if (n < 0) {
        fprintf(stderr, "throughput_guest: poll: %d\n", n);
        return 2;
      }
      if (n == 0) break;
    }
    long long e = now_ns();
    produce_ns += m - a;
    consume_ns += e - m;
  }
  long long total_ns = now_ns() - t0;
  wasm_bpf_map_operate(cfg_fd, WB_MAP_LOOKUP, &zero, &cfg, NULL, 0);
  printf("RESULT consumer=wasm records=%llu dropped=%llu produce_ns=%lld consume_ns=%lld total_ns=%lld in_order=%d\n",
         c.received, cfg.dropped, produce_ns, consume_ns, total_ns, c.in_order);
  wasm_close_bpf_object(obj);
  return c.received + cfg.dropped == batches * batch ? 0 : 1;
}
