// SPDX-License-Identifier: GPL-2.0-only OR MIT
// Maps only: the guest drives them with wasm_bpf_map_operate.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "events.h"

char LICENSE[] SEC("license") = "GPL";

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 8);
  __type(key, u32);
  __type(value, u64);
} wbt_hash SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 4);
  __type(key, u32);
  __type(value, struct wbt_pair);
} wbt_array SEC(".maps");

// A program that is never attached (some libbpf versions dislike objects without one).
SEC("tp/syscalls/sys_enter_getppid")
int wbt_maps_noop(void *ctx)
{
  u32 key = 0;
  struct wbt_pair *p = bpf_map_lookup_elem(&wbt_array, &key);

  if (p)
    __sync_fetch_and_add(&p->b, 1);
  return 0;
}

// Maps without keys (key_size 0): the guest pushes with update, peeks with lookup.
struct {
  __uint(type, BPF_MAP_TYPE_QUEUE);
  __uint(max_entries, 3);
  __type(value, u32);
} wbt_queue SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_STACK);
  __uint(max_entries, 3);
  __type(value, u32);
} wbt_stack SEC(".maps");

// 5 hash functions over a bit array sized for 1000 values: with one value in it, a false
// positive for another value is practically impossible.
struct {
  __uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
  __uint(max_entries, 1000);
  __uint(map_extra, 5);
  __type(value, u32);
} wbt_bloom SEC(".maps");
