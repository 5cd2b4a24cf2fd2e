// SPDX-License-Identifier: GPL-2.0-only OR MIT
// A uprobe whose section names a FIFO (WB_UPROBE_FIFO, a path in the build tree that the test
// makes a FIFO): libbpf would open it to find the function and block for ever; the host must
// refuse to attach instead.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "uprobe_fifo_path.h"

char LICENSE[] SEC("license") = "GPL";

SEC("uprobe/" WB_UPROBE_FIFO ":main")
int BPF_KPROBE(wbt_fifo_uprobe)
{
  return 0;
}
