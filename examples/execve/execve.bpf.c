// SPDX-License-Identifier: GPL-2.0-only OR MIT
// execve: one ring buffer record per execve() with the caller's name and the new command.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "execve.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

SEC("tp/syscalls/sys_enter_execve")
int trace_execve(struct trace_event_raw_sys_enter *ctx)
{
	const char *const *argv = (const char *const *)ctx->args[1];
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct execve_event *e;
	int i;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->uid = (u32)bpf_get_current_uid_gid();
	e->argc = 0;
	e->truncated = false;
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	if (bpf_probe_read_user_str(&e->filename, sizeof(e->filename), (const void *)ctx->args[0]) < 0)
		e->filename[0] = '\0';
	for (i = 0; i < EXECVE_MAX_ARGS; i++) {
		const char *arg = NULL;

		if (!argv || bpf_probe_read_user(&arg, sizeof(arg), &argv[i + 1]) < 0 || !arg)
			break;
		if (bpf_probe_read_user_str(&e->args[i], EXECVE_ARG_LEN, arg) < 0)
			break;
		e->argc = i + 1;
	}
	if (e->argc == EXECVE_MAX_ARGS) {
		const char *more = NULL;

		bpf_probe_read_user(&more, sizeof(more), &argv[EXECVE_MAX_ARGS + 1]);
		e->truncated = more != NULL;
	}
	bpf_ringbuf_submit(e, 0);
	return 0;
}
