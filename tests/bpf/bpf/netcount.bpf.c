// SPDX-License-Identifier: GPL-2.0-only OR MIT
// Counts the test's frames (EtherType WBT_ETHERTYPE) seen by XDP, tc and a socket filter,
// and every packet a cgroup sends, in the array map `counts`.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "events.h"

char LICENSE[] SEC("license") = "GPL";

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 4);
  __type(key, u32);
  __type(value, u64);
} counts SEC(".maps");

static __always_inline void bump(u32 idx)
{
  u64 *v = bpf_map_lookup_elem(&counts, &idx);

  if (v)
    __sync_fetch_and_add(v, 1);
}

SEC("xdp")
int wbt_xdp(struct xdp_md *ctx)
{
  void *data = (void *)(long)ctx->data;
  void *data_end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;

  if ((void *)(eth + 1) > data_end)
    return XDP_PASS;
  if (eth->h_proto == bpf_htons(WBT_ETHERTYPE))
    bump(WBT_COUNT_XDP);
  return XDP_PASS;
}

SEC("tc")
int wbt_tc(struct __sk_buff *skb)
{
  if (skb->protocol == bpf_htons(WBT_ETHERTYPE))
    bump(WBT_COUNT_TC);
  return 0; /* TC_ACT_OK */
}

SEC("cgroup_skb/egress")
int wbt_cg_egress(struct __sk_buff *skb)
{
  bump(WBT_COUNT_CGROUP);
  return 1; /* allow */
}

SEC("socket")
int wbt_sock(struct __sk_buff *skb)
{
  if (skb->protocol == bpf_htons(WBT_ETHERTYPE))
    bump(WBT_COUNT_SOCKET);
  return 0; /* keep nothing: nobody reads the socket */
}
