// SPDX-License-Identifier: MIT
/* One IPv4 packet seen by the socket filter. */
#ifndef SOCKFILTER_H
#define SOCKFILTER_H

struct so_event {
	unsigned int src_addr;      /* network byte order */
	unsigned int dst_addr;
	unsigned short src_port;    /* host byte order; 0 without ports */
	unsigned short dst_port;
	unsigned int pkt_len;
	unsigned int ifindex;
	unsigned char ip_proto;
	unsigned char pkt_type;     /* PACKET_HOST, PACKET_OUTGOING, ... */
};

#endif
