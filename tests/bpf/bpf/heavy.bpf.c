// SPDX-License-Identifier: GPL-2.0-only OR MIT
// Programs the verifier must walk for a long time (bounded loops it explores iteration by
// iteration, each just under its 1M-instruction limit): loading the object keeps the kernel
// busy for seconds. --timeout and signals must still end the guest promptly.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#define HEAVY(n)                                    \
  SEC("tp/syscalls/sys_enter_getppid")              \
  int wbt_heavy_##n(void *ctx)                      \
  {                                                 \
    u64 x = bpf_get_prandom_u32();                  \
    for (int i = 0; i < 90000; i++)                 \
      x = x * 3 + (x >> 7) + i;                     \
    return (int)x;                                  \
  }

HEAVY(0)
HEAVY(1)
HEAVY(2)
HEAVY(3)
HEAVY(4)
HEAVY(5)
HEAVY(6)
HEAVY(7)
HEAVY(8)
HEAVY(9)
HEAVY(10)
HEAVY(11)
HEAVY(12)
HEAVY(13)
HEAVY(14)
HEAVY(15)
HEAVY(16)
HEAVY(17)
HEAVY(18)
HEAVY(19)
HEAVY(20)
HEAVY(21)
HEAVY(22)
HEAVY(23)
HEAVY(24)
HEAVY(25)
HEAVY(26)
HEAVY(27)
HEAVY(28)
HEAVY(29)
HEAVY(30)
HEAVY(31)
HEAVY(32)
HEAVY(33)
HEAVY(34)
HEAVY(35)
HEAVY(36)
HEAVY(37)
HEAVY(38)
HEAVY(39)
HEAVY(40)
HEAVY(41)
HEAVY(42)
HEAVY(43)
HEAVY(44)
HEAVY(45)
HEAVY(46)
HEAVY(47)
HEAVY(48)
HEAVY(49)
HEAVY(50)
HEAVY(51)
HEAVY(52)
HEAVY(53)
HEAVY(54)
HEAVY(55)
HEAVY(56)
HEAVY(57)
HEAVY(58)
HEAVY(59)
HEAVY(60)
HEAVY(61)
HEAVY(62)
HEAVY(63)
