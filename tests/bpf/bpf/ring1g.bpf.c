// SPDX-License-Identifier: GPL-2.0-only OR MIT
// A 1 GiB ring buffer in a tiny object: refused by the default --max-map-memory before the
// kernel allocates anything.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 1 << 30);
} huge_rb SEC(".maps");

SEC("tp/syscalls/sys_enter_getppid")
int wbt_ring1g(void *ctx)
{
  return 0;
}
