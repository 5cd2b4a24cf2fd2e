// SPDX-License-Identifier: MIT
/* One IPv4 packet seen by the tc classifier. */
#ifndef TC_EXAMPLE_H
#define TC_EXAMPLE_H

struct tc_packet {
	unsigned int src_addr;       /* network byte order */
	unsigned int dst_addr;
	unsigned int len;            /* skb->len */
	unsigned int ifindex;
	unsigned char ip_proto;
	unsigned char ttl;
	unsigned short tot_len;      /* the IPv4 total length, host byte order */
};

#endif
