// SPDX-License-Identifier: MIT
/* Records that are already waiting in a ring buffer when bpf_buffer__open is called must reach
 * the callback at the first poll, after open has returned: a program prints its header line
 * between the two and its events must come after it.
 *
 *   wasm-bpf run sdk_buffer_order.wasm COUNT
 *
 * tests/examples starts it, waits for "attached", calls getppid() COUNT times (each call is
 * a record of check.bpf.c's on_getppid) and then writes a line to its stdin. The guest then
 * opens the buffer, prints "HEADER" and polls until it has seen COUNT records. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.wasm.h"
#include "check.skel.h"

static int events;

static int on_event(void *ctx, void *data, size_t size)
{
	(void)ctx;
	(void)data;
	printf("EVENT %d (%zu bytes)\n", ++events, size);
	return 0;
}

int main(int argc, char **argv)
{
	struct check_bpf *skel;
	struct bpf_buffer *buf;
	char line[16];
	int want = argc > 1 ? atoi(argv[1]) : 1, polls, err = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	skel = check_bpf__open_and_load();
	if (!skel || check_bpf__attach(skel) != 0) {
		printf("cannot load or attach check.bpf.o\n");
		return 1;
	}
	printf("attached\n");
	if (!fgets(line, sizeof(line), stdin)) {
		printf("no go line on stdin\n");
		check_bpf__destroy(skel);
		return 1;
	}
	buf = bpf_buffer__open(skel->maps.events, on_event, NULL);
	if (!buf) {
		printf("cannot open the ring buffer: %s\n", strerror(errno));
		check_bpf__destroy(skel);
		return 1;
	}
	printf("HEADER\n");
	for (polls = 0; polls < 50 && events < want && err >= 0; polls++)
		err = bpf_buffer__poll(buf, 100);
	printf("done: %d events\n", events);
	bpf_buffer__free(buf);
	check_bpf__destroy(skel);
	return events >= want ? 0 : 1;
}
