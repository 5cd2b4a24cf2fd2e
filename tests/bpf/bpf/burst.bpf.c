// SPDX-License-Identifier: GPL-2.0-only OR MIT
// One sched_yield() of the configured process (array map `cfg`, key 0) emits cfg.count
// wbt_seq_event records with seq 0, 1, 2, ...: through bpf_loop into the ring buffer `rb`
// (mode WBT_BURST_RING) or through a bounded loop into the perf event array `events`
// (mode WBT_BURST_PERF, at most 256 per trigger).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "events.h"

char LICENSE[] SEC("license") = "GPL";

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 1024 * 1024);
} rb SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
  __uint(key_size, sizeof(u32));
  __uint(value_size, sizeof(u32));
} events SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, u32);
  __type(value, struct wbt_burst_cfg);
} cfg SEC(".maps");

struct loop_ctx {
  u32 trigger;
};

static long emit_ring(u32 i, void *data)
{
  struct loop_ctx *lc = data;
  struct wbt_seq_event *e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);

  if (!e)
    return 1; /* full: stop */
  e->seq = i;
  e->trigger = lc->trigger;
  e->magic = WBT_SEQ_MAGIC;
  bpf_ringbuf_submit(e, 0);
  return 0;
}

SEC("tp/syscalls/sys_enter_sched_yield")
int wbt_burst(void *ctx)
{
  u32 zero = 0;
  struct wbt_burst_cfg *c = bpf_map_lookup_elem(&cfg, &zero);
  struct loop_ctx lc;
  u32 n, i;

  if (!c || c->tgid == 0 || c->tgid != (u32)(bpf_get_current_pid_tgid() >> 32))
    return 0;
  lc.trigger = c->trigger; /* one triggering process: no atomics needed */
  c->trigger = lc.trigger + 1;
  n = c->count;
  if (c->mode == WBT_BURST_RING) {
    bpf_loop(n, emit_ring, &lc, 0);
  } else if (c->mode == WBT_BURST_PERF) {
    for (i = 0; i < 256 && i < n; i++) {
      struct wbt_seq_event e = {.seq = i, .trigger = lc.trigger, .magic = WBT_SEQ_MAGIC};
      bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &e, sizeof(e));
    }
  }
  return 0;
}
