// SPDX-License-Identifier: GPL-2.0-only OR MIT
// openat() calls of one process (tgid in the array map `target`, key 0) as wbt_open_event
// records in the perf event array `events`.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "events.h"

char LICENSE[] SEC("license") = "GPL";

struct {
  __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
  __uint(key_size, sizeof(u32));
  __uint(value_size, sizeof(u32));
} events SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, u32);
  __type(value, u32);
} target SEC(".maps");

SEC("tp/syscalls/sys_enter_openat")
int wbt_openat(struct trace_event_raw_sys_enter *ctx)
{
  u32 zero = 0;
  u32 *tgid = bpf_map_lookup_elem(&target, &zero);
  u32 me = bpf_get_current_pid_tgid() >> 32;
  struct wbt_open_event e = {};

  if (!tgid || *tgid == 0 || *tgid != me)
    return 0;
  e.pid = me;
  e.flags = (u32)ctx->args[2];
  bpf_probe_read_user_str(e.path, sizeof(e.path), (const char *)ctx->args[1]);
  bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &e, sizeof(e));
  return 0;
}
