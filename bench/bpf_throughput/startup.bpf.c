// A bootstrap-like object for the start-up measurement: exec and exit tracepoints feeding a
// ring buffer.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "throughput.h"

char LICENSE[] SEC("license") = "GPL";

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 256 * 1024);
} rb SEC(".maps");

SEC("tp/sched/sched_process_exec")
int wbb_exec(struct trace_event_raw_sched_process_exec *ctx)
{
  unsigned int off = ctx->__data_loc_filename & 0xFFFF;
  struct wbb_proc_event *e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);

  if (!e)
    return 0;
  e->pid = bpf_get_current_pid_tgid() >> 32;
  e->exit_event = 0;
  bpf_get_current_comm(e->comm, sizeof(e->comm));
  bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), (void *)ctx + off);
  bpf_ringbuf_submit(e, 0);
  return 0;
}

SEC("tp/sched/sched_process_exit")
int wbb_exit(void *ctx)
{
  u64 id = bpf_get_current_pid_tgid();
  struct wbb_proc_event *e;

  if ((u32)id != (u32)(id >> 32))
    return 0;
  e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
  if (!e)
    return 0;
  e->pid = id >> 32;
  e->exit_event = 1;
  bpf_get_current_comm(e->comm, sizeof(e->comm));
  e->filename[0] = 0;
  bpf_ringbuf_submit(e, 0);
  return 0;
}
