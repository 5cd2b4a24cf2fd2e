// SPDX-License-Identifier: GPL-2.0-only OR MIT
// What the cleanup tests look for: a tracepoint program (a perf-event link), a tc program (a
// netlink filter, which outlives the process unless the host removes it) and a ring buffer.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "events.h"

char LICENSE[] SEC("license") = "GPL";

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 64 * 1024);
} rb SEC(".maps");

SEC("tp/sched/sched_process_exec")
int wbt_lc_tp(struct trace_event_raw_sched_process_exec *ctx)
{
  unsigned int off = ctx->__data_loc_filename & 0xFFFF;
  struct wbt_exec_event *e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);

  if (!e)
    return 0;
  e->pid = bpf_get_current_pid_tgid() >> 32;
  e->ppid = 0;
  bpf_get_current_comm(e->comm, sizeof(e->comm));
  bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), (void *)ctx + off);
  bpf_ringbuf_submit(e, 0);
  return 0;
}

SEC("tc")
int wbt_lc_tc(struct __sk_buff *skb)
{
  return 0; /* TC_ACT_OK */
}
