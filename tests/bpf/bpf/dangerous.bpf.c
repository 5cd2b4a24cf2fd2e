// SPDX-License-Identifier: GPL-2.0-only OR MIT
// Helpers the default policy refuses: bpf_send_signal in a program, bpf_probe_write_user in a
// subprogram (.text) that another program calls. Never attached: the tests only load it.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("tp/syscalls/sys_enter_getppid")
int wbt_signal(void *ctx)
{
  bpf_send_signal(9);
  return 0;
}

static __noinline int write_byte(void *dst)
{
  char c = 0;
  return bpf_probe_write_user(dst, &c, 1);
}

SEC("tp/syscalls/sys_enter_getpgid")
int wbt_writer(void *ctx)
{
  return write_byte((void *)0x1000);
}
