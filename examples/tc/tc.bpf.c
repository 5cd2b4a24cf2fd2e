// SPDX-License-Identifier: GPL-2.0-only OR MIT
// tc: a classifier on an interface's ingress (or egress) hook; reports every IPv4 packet
// through a ring buffer and lets it through.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "tc.h"

char LICENSE[] SEC("license") = "GPL";

#define TC_ACT_OK 0
#define ETH_P_IP 0x0800

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} packets SEC(".maps");

SEC("tc")
int tc_ingress(struct __sk_buff *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct ethhdr *eth = data;
	struct tc_packet *p;
	struct iphdr *ip;

	if (ctx->protocol != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	ip = (struct iphdr *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return TC_ACT_OK;
	p = bpf_ringbuf_reserve(&packets, sizeof(*p), 0);
	if (!p)
		return TC_ACT_OK;
	p->src_addr = ip->saddr;
	p->dst_addr = ip->daddr;
	p->len = ctx->len;
	p->ifindex = ctx->ifindex;
	p->ip_proto = ip->protocol;
	p->ttl = ip->ttl;
	p->tot_len = bpf_ntohs(ip->tot_len);
	bpf_ringbuf_submit(p, 0);
	return TC_ACT_OK;
}
