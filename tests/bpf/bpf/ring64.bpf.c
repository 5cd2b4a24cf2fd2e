// SPDX-License-Identifier: GPL-2.0-only OR MIT
// A 64 MiB ring buffer and a program that is never attached: kernel memory for the limit
// tests (--max-map-memory).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 64 << 20);
} big_rb SEC(".maps");

SEC("tp/syscalls/sys_enter_getppid")
int wbt_ring64(void *ctx)
{
  return 0;
}
