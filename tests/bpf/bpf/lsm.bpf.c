// SPDX-License-Identifier: GPL-2.0-only OR MIT
// An LSM program: needs CONFIG_BPF_LSM and "bpf" in the active LSMs.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("lsm/file_open")
int wbt_lsm(unsigned long long *ctx)
{
  return 0;
}
