// SPDX-License-Identifier: GPL-2.0-only OR MIT
// lsm: a BPF LSM program that denies removing directories named "wasm-bpf-protected".
// BPF LSM programs only load on kernels built with CONFIG_BPF_LSM whose lsm= list names
// "bpf"; elsewhere the kernel refuses them.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

#define EPERM 1

static const char protected_name[] = "wasm-bpf-protected";

/* How many rmdir calls were denied. */
u64 denied;

SEC("lsm/path_rmdir")
int BPF_PROG(deny_protected_rmdir, const struct path *dir, struct dentry *dentry, int ret)
{
	char name[sizeof(protected_name)];
	const unsigned char *qname;

	if (ret)
		return ret; /* an earlier hook already decided */
	qname = BPF_CORE_READ(dentry, d_name.name);
	if (bpf_probe_read_kernel_str(name, sizeof(name), qname) != sizeof(name))
		return 0;
	for (int i = 0; i < (int)sizeof(name); i++)
		if (name[i] != protected_name[i])
			return 0;
	__sync_fetch_and_add(&denied, 1);
	return -EPERM;
}
