// SPDX-License-Identifier: GPL-2.0-only OR MIT
// uprobe: traces calls of uprobed_add and uprobed_sub in uprobe-target and their results.
// Uprobes that name their binary in the section are attached by libbpf without further help;
// the binary is a placeholder here that the guest replaces before load (see uprobe.h).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "uprobe.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} events SEC(".maps");

static __always_inline int report(enum uprobe_kind kind, int a, int b, int ret)
{
	struct uprobe_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e)
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->kind = kind;
	e->a = a;
	e->b = b;
	e->ret = ret;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("uprobe/" UPROBE_PATH_PLACEHOLDER ":uprobed_add")
int BPF_KPROBE(uprobe_add, int a, int b)
{
	return report(UPROBE_ADD_CALL, a, b, 0);
}

SEC("uretprobe/" UPROBE_PATH_PLACEHOLDER ":uprobed_add")
int BPF_KRETPROBE(uretprobe_add, int ret)
{
	return report(UPROBE_ADD_RETURN, 0, 0, ret);
}

SEC("uprobe/" UPROBE_PATH_PLACEHOLDER ":uprobed_sub")
int BPF_KPROBE(uprobe_sub, int a, int b)
{
	return report(UPROBE_SUB_CALL, a, b, 0);
}

SEC("uretprobe/" UPROBE_PATH_PLACEHOLDER ":uprobed_sub")
int BPF_KRETPROBE(uretprobe_sub, int ret)
{
	return report(UPROBE_SUB_RETURN, 0, 0, ret);
}
