// SPDX-License-Identifier: GPL-2.0-only OR MIT
// A map declared to be pinned by name (LIBBPF_PIN_BY_NAME): libbpf would pin it under
// /sys/fs/bpf/wbt_pinned, or reuse whatever map is pinned there already.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 8);
  __type(key, u32);
  __type(value, u64);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} wbt_pinned SEC(".maps");

SEC("tp/syscalls/sys_enter_getppid")
int wbt_pin_noop(void *ctx)
{
  return 0;
}
