// SPDX-License-Identifier: MIT
/* The native baseline of the eBPF event benchmarks, with libbpf.
 *
 *   native_consumer throughput OBJECT RECORDS BATCH
 *       loads throughput.bpf.o, then triggers RECORDS / BATCH batches (sched_yield()) and
 *       consumes each batch from the ring buffer; the callback only counts (and checks order).
 *       Prints "attached", then one RESULT line.
 *   native_consumer bootstrap OBJECT
 *       the native counterpart of examples/bootstrap's set-up, on its bootstrap.bpf.o: opens
 *       it, sets min_duration_ns (.rodata) to 0 as the guest does, loads it, attaches every
 *       program, sets up the ring buffer `rb`, prints bootstrap's header line and exits.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "throughput.h"

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list args) {
  if (level == LIBBPF_WARN) return vfprintf(stderr, fmt, args);
  return 0;
}

struct counter {
  unsigned long long received;
  unsigned long long next_seq;
  unsigned int batch_size;
  int in_order;
};

static int on_record(void *ctx, void *data, size_t size) {
  struct counter *c = ctx;
  const struct wbb_record *r = data;
  if (size < sizeof *r || r->seq != c->next_seq) c->in_order = 0;
  c->received++;
  c->next_seq = r->seq + 1 == c->batch_size ? 0 : r->seq + 1;
  return 0;
}

static struct bpf_object *open_and_load(const char *path) {
  struct bpf_object *obj = bpf_object__open_file(path, NULL);
  if (!obj) {
    fprintf(stderr, "native_consumer: cannot open %s: %s\n", path, strerror(errno));
    exit(2);
  }
  int err = bpf_object__load(obj);
  if (err) {
    fprintf(stderr, "native_consumer: cannot load %s: %s\n", path, strerror(-err));
    exit(2);
  }
  return obj;
}

static void attach_or_die(struct bpf_object *obj, const char *name) {
  struct bpf_program *prog = bpf_object__find_program_by_name(obj, name);
  if (!prog || !bpf_program__attach(prog)) {
    fprintf(stderr, "native_consumer: cannot attach %s: %s\n", name, strerror(errno));
    exit(2);
  }
}

static int on_bootstrap_event(void *ctx, void *data, size_t size) {
  (void)ctx, (void)data, (void)size;
  return 0;
}

static int bootstrap(const char *path) {
  struct bpf_object *obj = bpf_object__open_file(path, NULL);
  if (!obj) {
    fprintf(stderr, "native_consumer: cannot open %s: %s\n", path, strerror(errno));
    return 2;
  }
  /* bootstrap.c writes skel->rodata->min_duration_ns (its only read-only global) before load */
  struct bpf_map *rodata = bpf_object__find_map_by_name(obj, ".rodata");
  size_t size = 0;
  const void *initial = rodata ? bpf_map__initial_value(rodata, &size) : NULL;
  unsigned long long min_duration_ns = 0;
  if (!initial || size != sizeof min_duration_ns ||
      bpf_map__set_initial_value(rodata, &min_duration_ns, sizeof min_duration_ns) != 0) {
    fprintf(stderr, "native_consumer: %s: no .rodata holding just min_duration_ns\n", path);
    return 2;
  }
  int err = bpf_object__load(obj);
  if (err) {
    fprintf(stderr, "native_consumer: cannot load %s: %s\n", path, strerror(-err));
    return 2;
  }
  struct bpf_program *prog;
  bpf_object__for_each_program(prog, obj) {
    if (!bpf_program__attach(prog)) {
      fprintf(stderr, "native_consumer: cannot attach %s: %s\n", bpf_program__name(prog), strerror(errno));
      return 2;
    }
  }
  struct ring_buffer *rb =
      ring_buffer__new(bpf_object__find_map_fd_by_name(obj, "rb"), on_bootstrap_event, NULL, NULL);
  if (!rb) {
    fprintf(stderr, "native_consumer: ring_buffer__new: %s\n", strerror(errno));
    return 2;
  }
  printf("%-8s %-5s %-16s %-7s %-7s %s\n", "TIME", "EVENT", "COMM", "PID", "PPID", "FILENAME/EXIT CODE");
  fflush(stdout);
  ring_buffer__free(rb);
  bpf_object__close(obj);
  return 0;
}

static int throughput(const char *path, unsigned long long records, unsigned int batch) {
  struct bpf_object *obj = open_and_load(path);
  int cfg_fd = bpf_object__find_map_fd_by_name(obj, "cfg");
  struct wbb_cfg cfg = {0};
  cfg.tgid = (unsigned int)getpid();
  cfg.batch_size = batch;
  unsigned int zero = 0;
  if (bpf_map_update_elem(cfg_fd, &zero, &cfg, BPF_ANY) != 0) {
    fprintf(stderr, "native_consumer: cfg update: %s\n", strerror(errno));
    return 2;
  }
  attach_or_die(obj, "wbb_trigger");
  struct counter c = {0, 0, batch, 1};
  struct ring_buffer *rb = ring_buffer__new(bpf_object__find_map_fd_by_name(obj, "rb"), on_record, &c, NULL);
  if (!rb) {
    fprintf(stderr, "native_consumer: ring_buffer__new: %s\n", strerror(errno));
    return 2;
  }
  printf("attached\n");
  fflush(stdout);

  unsigned long long batches = (records + batch - 1) / batch;
  long long produce_ns = 0, consume_ns = 0;
  long long t0 = now_ns();
  for (unsigned long long b = 0; b < batches; ++b) {
    long long a = now_ns();
    sched_yield(); /* the BPF program emits one batch inside this syscall */
    long long m = now_ns();
    unsigned long long want = (b + 1) * batch;
    while (c.received < want) {
      int n = ring_buffer__consume(rb);
      if (n < 0) {
        fprintf(stderr, "native_consumer: consume: %d\n", n);
        return 2;
      }
      if (n == 0) break; /* everything that was produced is consumed (drops are counted) */
    }
    long long e = now_ns();
    produce_ns += m - a;
    consume_ns += e - m;
  }
  long long total_ns = now_ns() - t0;
  bpf_map_lookup_elem(cfg_fd, &zero, &cfg);
  printf("RESULT consumer=native records=%llu dropped=%llu produce_ns=%lld consume_ns=%lld total_ns=%lld in_order=%d\n",
         c.received, cfg.dropped, produce_ns, consume_ns, total_ns, c.in_order);
  ring_buffer__free(rb);
  bpf_object__close(obj);
  return c.received + cfg.dropped == batches * batch ? 0 : 1;
}

int main(int argc, char **argv) {
  libbpf_set_print(quiet_print);
  if (argc >= 3 && strcmp(argv[1], "bootstrap") == 0) return bootstrap(argv[2]);
  if (argc >= 5 && strcmp(argv[1], "throughput") == 0)
    return throughput(argv[2], strtoull(argv[3], NULL, 10), (unsigned int)strtoul(argv[4], NULL, 10));
  fprintf(stderr, "usage: native_consumer throughput OBJECT RECORDS BATCH | bootstrap OBJECT\n");
  return 64;
}
