// SPDX-License-Identifier: GPL-2.0-only OR MIT
// xdp: looks at every packet arriving on an interface, counts it by IP protocol and reports
// it through a ring buffer; every packet is passed on.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "xdp.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define ETH_P_IP 0x0800

/* Counters by IP protocol number; index 0 also counts non-IPv4 packets. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256);
	__type(key, u32);
	__type(value, struct xdp_counter);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} packets SEC(".maps");

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct xdp_packet *p;
	struct xdp_counter *c;
	u32 key = 0;

	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	p = bpf_ringbuf_reserve(&packets, sizeof(*p), 0);
	if (!p)
		return XDP_PASS;
	__builtin_memset(p, 0, sizeof(*p));
	p->len = data_end - data;
	p->ifindex = ctx->ingress_ifindex;
	p->eth_proto = bpf_ntohs(eth->h_proto);
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) <= data_end) {
			p->src_addr = ip->saddr;
			p->dst_addr = ip->daddr;
			p->ip_proto = ip->protocol;
			p->ttl = ip->ttl;
			key = ip->protocol;
			if (ip->protocol == IPPROTO_UDP || ip->protocol == IPPROTO_TCP) {
				__u16 *ports = (void *)ip + ip->ihl * 4;

				if ((void *)(ports + 2) <= data_end) {
					p->src_port = bpf_ntohs(ports[0]);
					p->dst_port = bpf_ntohs(ports[1]);
				}
			}
		}
	}
	bpf_ringbuf_submit(p, 0);
	c = bpf_map_lookup_elem(&counters, &key);
	if (c) {
		__sync_fetch_and_add(&c->packets, 1);
		__sync_fetch_and_add(&c->bytes, (u64)(data_end - data));
	}
	return XDP_PASS;
}
