// SPDX-License-Identifier: GPL-2.0-only OR MIT
// sockfilter: a socket filter on a packet socket bound to an interface; reports every IPv4
// packet through a ring buffer and keeps none on the socket.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "sockfilter.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define ETH_HLEN 14
#define ETH_P_IP 0x0800
#define IP_MF 0x2000
#define IP_OFFSET 0x1FFF

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} rb SEC(".maps");

static __always_inline bool is_fragment(struct __sk_buff *skb, u32 nhoff)
{
	u16 frag_off;

	if (bpf_skb_load_bytes(skb, nhoff + offsetof(struct iphdr, frag_off), &frag_off, 2) < 0)
		return true;
	return bpf_ntohs(frag_off) & (IP_MF | IP_OFFSET);
}

SEC("socket")
int socket_handler(struct __sk_buff *skb)
{
	struct so_event *e;
	u16 proto;
	u8 verlen, ip_proto;
	u32 nhoff = ETH_HLEN, ports;

	if (bpf_skb_load_bytes(skb, 12, &proto, 2) < 0 || proto != bpf_htons(ETH_P_IP))
		return 0;
	if (bpf_skb_load_bytes(skb, nhoff + offsetof(struct iphdr, protocol), &ip_proto, 1) < 0)
		return 0;
	e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
	if (!e)
		return 0;
	e->ip_proto = ip_proto;
	e->pkt_type = skb->pkt_type;
	e->ifindex = skb->ifindex;
	e->pkt_len = skb->len;
	e->src_port = 0;
	e->dst_port = 0;
	bpf_skb_load_bytes(skb, nhoff + offsetof(struct iphdr, saddr), &e->src_addr, 4);
	bpf_skb_load_bytes(skb, nhoff + offsetof(struct iphdr, daddr), &e->dst_addr, 4);
	if ((ip_proto == IPPROTO_TCP || ip_proto == IPPROTO_UDP) && !is_fragment(skb, nhoff) &&
	    bpf_skb_load_bytes(skb, nhoff, &verlen, 1) == 0 &&
	    bpf_skb_load_bytes(skb, nhoff + ((verlen & 0xF) << 2), &ports, 4) == 0) {
		e->src_port = bpf_ntohs((u16)ports);
		e->dst_port = bpf_ntohs((u16)(ports >> 16));
	}
	bpf_ringbuf_submit(e, 0);
	return 0; /* the socket keeps nothing: it only carries the filter */
}
