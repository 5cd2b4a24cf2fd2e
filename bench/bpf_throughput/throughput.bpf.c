// SPDX-License-Identifier: GPL-2.0-only OR MIT
// Event-throughput benchmark: every sched_yield() of the configured process emits a batch of
// cfg.batch_size 16-byte records into the ring buffer `rb` with bpf_loop, as fast as the
// kernel can.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "throughput.h"

char LICENSE[] SEC("license") = "GPL";

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, WBB_RING_BYTES);
} rb SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, u32);
  __type(value, struct wbb_cfg);
} cfg SEC(".maps");

struct batch_ctx {
  u32 batch;
  u32 dropped;
};

static long emit(u32 i, void *data)
{
  struct batch_ctx *b = data;
  struct wbb_record *r = bpf_ringbuf_reserve(&rb, sizeof(*r), 0);

  if (!r) {
    b->dropped++;
    return 0;
  }
  r->seq = i;
  r->batch = b->batch;
  r->magic = WBB_MAGIC;
  bpf_ringbuf_submit(r, 0);
  return 0;
}

SEC("tp/syscalls/sys_enter_sched_yield")
int wbb_trigger(void *ctx)
{
  u32 zero = 0;
  struct wbb_cfg *c = bpf_map_lookup_elem(&cfg, &zero);
  struct batch_ctx b = {};

  if (!c || c->tgid == 0 || c->tgid != (u32)(bpf_get_current_pid_tgid() >> 32))
    return 0;
  b.batch = c->batches;
  c->batches = b.batch + 1;
  bpf_loop(c->batch_size, emit, &b, 0);
  c->dropped += b.dropped;
  return 0;
}
