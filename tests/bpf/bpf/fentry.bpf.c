// SPDX-License-Identifier: GPL-2.0-only OR MIT
// An fentry program: refused by kernels without BPF trampolines for this caller (EPERM here).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("fentry/do_unlinkat")
int BPF_PROG(wbt_fentry, int dfd, struct filename *name)
{
  return 0;
}
