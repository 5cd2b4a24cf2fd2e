// SPDX-License-Identifier: GPL-2.0-only OR MIT
// A program the verifier must reject: it reads through a pointer made from a random number.
// For the load diagnosis tests (the end of the verifier's log is shown without -v).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("tp/sched/sched_process_exec")
int wbt_rejected(void *ctx) {
  int *p = (int *)(long)bpf_get_prandom_u32();
  return *p;
}
