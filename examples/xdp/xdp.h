// SPDX-License-Identifier: MIT
/* Shared by xdp.bpf.c and xdp.c: one packet, and the per-protocol counters. */
#ifndef XDP_EXAMPLE_H
#define XDP_EXAMPLE_H

struct xdp_packet {
	unsigned int src_addr;      /* network byte order; 0 for non-IPv4 */
	unsigned int dst_addr;
	unsigned short src_port;    /* host byte order; 0 without ports */
	unsigned short dst_port;
	unsigned short eth_proto;   /* host byte order */
	unsigned char ip_proto;
	unsigned char ttl;
	unsigned int len;           /* bytes on the wire */
	unsigned int ifindex;
};

struct xdp_counter {
	unsigned long long packets;
	unsigned long long bytes;
};

#endif
