// SPDX-License-Identifier: GPL-2.0-only OR MIT
// kprobe and kretprobe on do_unlinkat (for the process in `cfg`, key 0), a uprobe on the
// test's helper binary (WB_UPROBE_TARGET, a build-time path) and the raw tracepoint
// sched_process_exec (for children of the process in `cfg`), reported in the ring buffer `rb`.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "events.h"
#include "uprobe_target_path.h"

char LICENSE[] SEC("license") = "GPL";

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 64 * 1024);
} rb SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, u32);
  __type(value, u32);
} cfg SEC(".maps");

SEC("kprobe/do_unlinkat")
int BPF_KPROBE(wbt_kprobe, int dfd, struct filename *name)
{
  u32 zero = 0;
  u32 *tgid = bpf_map_lookup_elem(&cfg, &zero);
  u32 me = bpf_get_current_pid_tgid() >> 32;
  struct wbt_probe_event *e;
  const char *path;

  if (!tgid || *tgid != me)
    return 0;
  e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
  if (!e)
    return 0;
  e->kind = WBT_KIND_KPROBE;
  e->pid = me;
  e->arg = (u64)dfd;
  bpf_get_current_comm(e->comm, sizeof(e->comm));
  path = BPF_CORE_READ(name, name);
  bpf_probe_read_kernel_str(e->path, sizeof(e->path), path);
  bpf_ringbuf_submit(e, 0);
  return 0;
}

SEC("uprobe/" WB_UPROBE_TARGET ":wbt_uprobe_target_func")
int BPF_KPROBE(wbt_uprobe, int value)
{
  struct wbt_probe_event *e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);

  if (!e)
    return 0;
  e->kind = WBT_KIND_UPROBE;
  e->pid = bpf_get_current_pid_tgid() >> 32;
  e->arg = (u64)value;
  bpf_get_current_comm(e->comm, sizeof(e->comm));
  e->path[0] = 0;
  bpf_ringbuf_submit(e, 0);
  return 0;
}

SEC("kretprobe/do_unlinkat")
int BPF_KRETPROBE(wbt_kretprobe, long ret)
{
  u32 zero = 0;
  u32 *tgid = bpf_map_lookup_elem(&cfg, &zero);
  u32 me = bpf_get_current_pid_tgid() >> 32;
  struct wbt_probe_event *e;

  if (!tgid || *tgid != me)
    return 0;
  e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
  if (!e)
    return 0;
  e->kind = WBT_KIND_KRETPROBE;
  e->pid = me;
  e->arg = (u64)ret;
  bpf_get_current_comm(e->comm, sizeof(e->comm));
  e->path[0] = 0;
  bpf_ringbuf_submit(e, 0);
  return 0;
}

// raw_tp: the arguments of trace_sched_process_exec(p, old_pid, bprm), no tracepoint format.
SEC("raw_tp/sched_process_exec")
int BPF_PROG(wbt_rawtp, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
  u32 zero = 0;
  u32 *parent = bpf_map_lookup_elem(&cfg, &zero);
  struct wbt_probe_event *e;

  if (!parent || *parent == 0 || (u32)BPF_CORE_READ(p, real_parent, tgid) != *parent)
    return 0;
  e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
  if (!e)
    return 0;
  e->kind = WBT_KIND_RAWTP;
  e->pid = BPF_CORE_READ(p, tgid);
  e->arg = (u64)old_pid;
  bpf_get_current_comm(e->comm, sizeof(e->comm));
  e->path[0] = 0;
  bpf_ringbuf_submit(e, 0);
  return 0;
}
