// SPDX-License-Identifier: MIT
// sockfilter: shows the IPv4 packets on a network interface, seen by a BPF socket filter
// that the host attaches to a packet socket bound to that interface.
//
//   wasm-bpf run sockfilter.wasm [IFNAME] [-c COUNT]     (IFNAME defaults to lo)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockfilter.wasm.h"
#include "sockfilter.skel.h"

static const char *ifname = "lo";
static long remaining = -1;

static const char *proto_name(unsigned p)
{
	switch (p) {
	case 1: return "ICMP";
	case 6: return "TCP";
	case 17: return "UDP";
	}
	return "other";
}

static void format_addr(char *out, size_t n, uint32_t be_addr)
{
	const unsigned char *b = (const unsigned char *)&be_addr;
	snprintf(out, n, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
}

static int on_packet(void *ctx, void *data, size_t size)
{
	const struct so_event *e = (const struct so_event *)data;
	char src[16], dst[16];

	(void)ctx;
	if (size < sizeof(*e) || remaining == 0)
		return 0;
	format_addr(src, sizeof(src), e->src_addr);
	format_addr(dst, sizeof(dst), e->dst_addr);
	printf("interface: %s\tprotocol: %s\t%s:%u(src) -> %s:%u(dst)\tlength: %u\n", ifname,
	       proto_name(e->ip_proto), src, e->src_port, dst, e->dst_port, e->pkt_len);
	if (remaining > 0)
		remaining--;
	return 0;
}

int main(int argc, char **argv)
{
	struct sockfilter_bpf *skel;
	struct bpf_buffer *rb = NULL;
	int err;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			remaining = strtol(argv[++i], NULL, 10);
		} else if (argv[i][0] != '-') {
			ifname = argv[i];
		} else {
			printf("USAGE: sockfilter [IFNAME] [-c COUNT]\n"
			       "Show IPv4 packets on IFNAME (default lo); stop after COUNT.\n");
			return strcmp(argv[i], "-h") == 0 ? 0 : 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	skel = sockfilter_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "sockfilter: cannot load the BPF object: %s\n", strerror(errno));
		return 1;
	}
	/* Socket filters have no hook in their section name: the target is the interface. */
	bpf_set_prog_attach_target(skel->progs.socket_handler, ifname);
	err = sockfilter_bpf__attach(skel);
	if (err) {
		fprintf(stderr, "sockfilter: cannot attach to %s: %s\n", ifname, strerror(-err));
		goto cleanup;
	}
	rb = bpf_buffer__open(skel->maps.rb, on_packet, NULL);
	if (!rb) {
		err = -errno;
		fprintf(stderr, "sockfilter: cannot open the ring buffer: %s\n", strerror(errno));
		goto cleanup;
	}
	printf("Filtering packets on %s...\n", ifname);
	while (remaining != 0) {
		err = bpf_buffer__poll(rb, 100);
		if (err < 0) {
			if (err != -EINTR)
				fprintf(stderr, "sockfilter: poll failed: %s\n", strerror(-err));
			break;
		}
		err = 0;
	}
cleanup:
	bpf_buffer__free(rb);
	sockfilter_bpf__destroy(skel);
	return err < 0 ? 1 : 0;
}
