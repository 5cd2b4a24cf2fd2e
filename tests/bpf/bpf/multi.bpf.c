// SPDX-License-Identifier: GPL-2.0-only OR MIT
// Two ring buffers in one object: exec events in `rb_exec`, exit events in `rb_exit`.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "events.h"

char LICENSE[] SEC("license") = "GPL";

/* CO-RE local flavour of task_struct (keeps the object's BTF small). */
struct task_struct___wbt {
  int exit_code;
} __attribute__((preserve_access_index));

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 128 * 1024);
} rb_exec SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 128 * 1024);
} rb_exit SEC(".maps");

SEC("tp/sched/sched_process_exec")
int wbt_m_exec(struct trace_event_raw_sched_process_exec *ctx)
{
  unsigned int off = ctx->__data_loc_filename & 0xFFFF;
  struct wbt_exec_event *e = bpf_ringbuf_reserve(&rb_exec, sizeof(*e), 0);

  if (!e)
    return 0;
  e->pid = bpf_get_current_pid_tgid() >> 32;
  e->ppid = 0;
  bpf_get_current_comm(e->comm, sizeof(e->comm));
  bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), (void *)ctx + off);
  bpf_ringbuf_submit(e, 0);
  return 0;
}

SEC("tp/sched/sched_process_exit")
int wbt_m_exit(struct trace_event_raw_sched_process_template *ctx)
{
  struct task_struct___wbt *task = (struct task_struct___wbt *)bpf_get_current_task();
  u64 id = bpf_get_current_pid_tgid();
  struct wbt_exit_event *e;

  if ((u32)id != (u32)(id >> 32))
    return 0; /* a thread, not the whole process */
  e = bpf_ringbuf_reserve(&rb_exit, sizeof(*e), 0);
  if (!e)
    return 0;
  e->pid = id >> 32;
  e->exit_code = (BPF_CORE_READ(task, exit_code) >> 8) & 0xff;
  bpf_get_current_comm(e->comm, sizeof(e->comm));
  bpf_ringbuf_submit(e, 0);
  return 0;
}
