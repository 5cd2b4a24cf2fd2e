// SPDX-License-Identifier: GPL-2.0-only OR MIT
// opensnoop: openat() calls, with their result, through a perf event array.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "opensnoop.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Filters, set by user space before load (0: no filter). */
const volatile pid_t targ_tgid = 0;
const volatile uid_t targ_uid = (uid_t)-1;
const volatile bool targ_failed = false;

struct args_t {
	const char *fname;
	int flags;
};

/* The arguments of openat() calls in flight, by thread. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, u32);
	__type(value, struct args_t);
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(u32));
	__uint(value_size, sizeof(u32));
} events SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_openat")
int trace_openat_enter(struct trace_event_raw_sys_enter *ctx)
{
	u64 id = bpf_get_current_pid_tgid();
	u32 tgid = id >> 32, tid = (u32)id;
	struct args_t args = {};

	if (targ_tgid && targ_tgid != tgid)
		return 0;
	if (targ_uid != (uid_t)-1 && targ_uid != (u32)bpf_get_current_uid_gid())
		return 0;
	args.fname = (const char *)ctx->args[1];
	args.flags = (int)ctx->args[2];
	bpf_map_update_elem(&start, &tid, &args, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_openat")
int trace_openat_exit(struct trace_event_raw_sys_exit *ctx)
{
	u64 id = bpf_get_current_pid_tgid();
	u32 tid = (u32)id;
	struct open_event e = {};
	struct args_t *ap;
	int ret;

	ap = bpf_map_lookup_elem(&start, &tid);
	if (!ap)
		return 0;
	ret = (int)ctx->ret;
	if (targ_failed && ret >= 0)
		goto done;
	e.ts_ns = bpf_ktime_get_ns();
	e.pid = id >> 32;
	e.uid = (u32)bpf_get_current_uid_gid();
	e.ret = ret;
	e.flags = ap->flags;
	bpf_get_current_comm(&e.comm, sizeof(e.comm));
	bpf_probe_read_user_str(&e.fname, sizeof(e.fname), ap->fname);
	bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &e, sizeof(e));
done:
	bpf_map_delete_elem(&start, &tid);
	return 0;
}
