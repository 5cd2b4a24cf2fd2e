// SPDX-License-Identifier: GPL-2.0-only OR MIT
// Process lifetimes: an EXEC record when a process calls exec(), an EXIT record (with its
// exit code and, when its exec was seen, how long it lived) when it exits.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "bootstrap.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* When each traced process called exec(), by PID. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, pid_t);
	__type(value, u64);
} exec_start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} rb SEC(".maps");

/* Set by user space before load: report only processes that lived at least this long. */
const volatile unsigned long long min_duration_ns = 0;

static __always_inline void fill_common(struct event *e, pid_t pid)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	e->pid = pid;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
}

SEC("tp/sched/sched_process_exec")
int handle_exec(struct trace_event_raw_sched_process_exec *ctx)
{
	pid_t pid = bpf_get_current_pid_tgid() >> 32;
	u64 now = bpf_ktime_get_ns();
	unsigned int name_off;
	struct event *e;

	bpf_map_update_elem(&exec_start, &pid, &now, BPF_ANY);
	if (min_duration_ns)
		return 0; /* only exits are interesting then */

	e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
	if (!e)
		return 0;
	fill_common(e, pid);
	e->exit_event = false;
	e->exit_code = 0;
	e->duration_ns = 0;
	name_off = ctx->__data_loc_filename & 0xFFFF;
	bpf_probe_read_str(&e->filename, sizeof(e->filename), (void *)ctx + name_off);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp/sched/sched_process_exit")
int handle_exit(struct trace_event_raw_sched_process_template *ctx)
{
	u64 id = bpf_get_current_pid_tgid();
	pid_t pid = id >> 32, tid = (u32)id;
	u64 *started, lifetime = 0;
	struct task_struct *task;
	struct event *e;

	if (pid != tid)
		return 0; /* a thread, not the process */

	started = bpf_map_lookup_elem(&exec_start, &pid);
	if (started)
		lifetime = bpf_ktime_get_ns() - *started;
	else if (min_duration_ns)
		return 0;
	bpf_map_delete_elem(&exec_start, &pid);
	if (min_duration_ns && lifetime < min_duration_ns)
		return 0;

	e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
	if (!e)
		return 0;
	fill_common(e, pid);
	task = (struct task_struct *)bpf_get_current_task();
	e->exit_event = true;
	e->duration_ns = lifetime;
	e->exit_code = (BPF_CORE_READ(task, exit_code) >> 8) & 0xff;
	e->filename[0] = 0;
	bpf_ringbuf_submit(e, 0);
	return 0;
}
