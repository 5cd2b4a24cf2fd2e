// SPDX-License-Identifier: GPL-2.0-only OR MIT
// Every exec() on the system as a wbt_exec_event in the ring buffer `rb`.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "events.h"

char LICENSE[] SEC("license") = "GPL";

/* The two task_struct fields read here, relocated by CO-RE (a local flavour keeps the BTF of
 * this object small: the full task_struct drags in most of the kernel's types). */
struct task_struct___wbt {
  int tgid;
  struct task_struct___wbt *real_parent;
} __attribute__((preserve_access_index));

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 256 * 1024);
} rb SEC(".maps");

/* A read-only global: libbpf makes an internal map for it (NAME.rodata), whose name the
 * tests check (named after the module). Never set: every exec is reported. */
const volatile unsigned int wbt_skip_pid = 0;

SEC("tp/sched/sched_process_exec")
int wbt_exec(struct trace_event_raw_sched_process_exec *ctx)
{
  struct task_struct___wbt *task = (struct task_struct___wbt *)bpf_get_current_task();
  unsigned int off = ctx->__data_loc_filename & 0xFFFF;
  struct wbt_exec_event *e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);

  if (!e)
    return 0;
  e->pid = bpf_get_current_pid_tgid() >> 32;
  if (wbt_skip_pid && e->pid == wbt_skip_pid) {
    bpf_ringbuf_discard(e, 0);
    return 0;
  }
  e->ppid = BPF_CORE_READ(task, real_parent, tgid);
  bpf_get_current_comm(e->comm, sizeof(e->comm));
  bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), (void *)ctx + off);
  bpf_ringbuf_submit(e, 0);
  return 0;
}
