// SPDX-License-Identifier: MIT
// xdp: attaches an XDP program to a network interface and prints every packet that arrives
// on it; at the end, the packet and byte counts per IP protocol.
//
//   wasm-bpf run xdp.wasm IFNAME [-d SECONDS] [-c COUNT]
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xdp.wasm.h"
#include "xdp.skel.h"

static const char *ifname;
static long remaining = -1;

static void format_addr(char *out, size_t n, uint32_t be_addr)
{
	const unsigned char *b = (const unsigned char *)&be_addr;
	snprintf(out, n, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
}

static const char *proto_name(unsigned p)
{
	switch (p) {
	case 0: return "non-IP";
	case 1: return "ICMP";
	case 6: return "TCP";
	case 17: return "UDP";
	}
	return "IP";
}

static int on_packet(void *ctx, void *data, size_t size)
{
	const struct xdp_packet *p = (const struct xdp_packet *)data;
	char src[16], dst[16];

	(void)ctx;
	if (size < sizeof(*p) || remaining == 0)
		return 0;
	if (p->src_addr || p->dst_addr) {
		format_addr(src, sizeof(src), p->src_addr);
		format_addr(dst, sizeof(dst), p->dst_addr);
		printf("%s: %s %s:%u -> %s:%u ttl %u length %u\n", ifname, proto_name(p->ip_proto), src,
		       p->src_port, dst, p->dst_port, p->ttl, p->len);
	} else {
		printf("%s: ethertype 0x%04x length %u\n", ifname, p->eth_proto, p->len);
	}
	if (remaining > 0)
		remaining--;
	return 0;
}

static void print_counters(struct xdp_bpf *skel)
{
	int fd = bpf_map__fd(skel->maps.counters);
	struct xdp_counter c;

	for (uint32_t proto = 0; proto < 256; proto++) {
		if (bpf_map_lookup_elem(fd, &proto, &c) == 0 && c.packets)
			printf("%s total: %-6s (%u) %llu packets, %llu bytes\n", ifname, proto_name(proto),
			       proto, (unsigned long long)c.packets, (unsigned long long)c.bytes);
	}
}

int main(int argc, char **argv)
{
	struct xdp_bpf *skel;
	struct bpf_buffer *buf = NULL;
	long seconds = 0;
	time_t end = 0;
	int err;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-d") == 0 && i + 1 < argc) {
			seconds = strtol(argv[++i], NULL, 10);
		} else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			remaining = strtol(argv[++i], NULL, 10);
		} else if (argv[i][0] != '-' && !ifname) {
			ifname = argv[i];
		} else {
			ifname = NULL;
			break;
		}
	}
	if (!ifname) {
		printf("USAGE: xdp IFNAME [-d SECONDS] [-c COUNT]\n"
		       "Print the packets arriving on IFNAME (XDP), then the counts per protocol.\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	skel = xdp_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "xdp: cannot load the BPF object: %s\n", strerror(errno));
		return 1;
	}
	/* XDP programs are attached to an interface, named here. */
	bpf_set_prog_attach_target(skel->progs.xdp_pass, ifname);
	err = xdp_bpf__attach(skel);
	if (err) {
		fprintf(stderr, "xdp: cannot attach to %s: %s\n", ifname, strerror(-err));
		goto cleanup;
	}
	buf = bpf_buffer__open(skel->maps.packets, on_packet, NULL);
	if (!buf) {
		err = -errno;
		fprintf(stderr, "xdp: cannot open the ring buffer: %s\n", strerror(errno));
		goto cleanup;
	}
	printf("XDP program attached to %s\n", ifname);
	if (seconds > 0)
		end = time(NULL) + seconds;
	while (remaining != 0 && (!end || time(NULL) < end)) {
		err = bpf_buffer__poll(buf, 100);
		if (err < 0) {
			if (err != -EINTR)
				fprintf(stderr, "xdp: poll failed: %s\n", strerror(-err));
			break;
		}
		err = 0;
	}
	print_counters(skel);
cleanup:
	bpf_buffer__free(buf);
	xdp_bpf__destroy(skel);
	return err < 0 ? 1 : 0;
}
