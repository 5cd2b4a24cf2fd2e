// SPDX-License-Identifier: GPL-2.0-only OR MIT
// A kprobe built for arm64: its struct pt_regs is arm64's (regs[31], sp, pc, pstate), so its
// register offsets are wrong on any other architecture. wasm-bpf must refuse it on x86.
// (No vmlinux.h: that is this machine's, with x86's pt_regs.)
typedef unsigned long long u64;

struct pt_regs {
  u64 regs[31];
  u64 sp;
  u64 pc;
  u64 pstate;
  u64 orig_x0;
};

char LICENSE[] __attribute__((section("license"), used)) = "GPL";

__attribute__((section("kprobe/do_unlinkat"), used)) int wbt_arm64_kprobe(struct pt_regs *ctx)
{
  return ctx->regs[0] != 0;
}
