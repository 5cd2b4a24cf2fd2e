// uprobe: prints the calls of uprobed_add() and uprobed_sub() in uprobe-target, with their
// arguments, and their results (uprobes and uretprobes attached by section name).
//
//   wasm-bpf run uprobe.wasm [-c COUNT]
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uprobe.wasm.h"
#include "uprobe.skel.h"

static long remaining = -1;

static int on_event(void *ctx, void *data, size_t size)
{
	const struct uprobe_event *e = (const struct uprobe_event *)data;

	(void)ctx;
	if (size < sizeof(*e) || remaining == 0)
		return 0;
	switch (e->kind) {
	case UPROBE_ADD_CALL:
		printf("[%d] uprobed_add(%d, %d) called\n", e->pid, e->a, e->b);
		break;
	case UPROBE_ADD_RETURN:
		printf("[%d] uprobed_add returned %d\n", e->pid, e->ret);
		break;
	case UPROBE_SUB_CALL:
		printf("[%d] uprobed_sub(%d, %d) called\n", e->pid, e->a, e->b);
		break;
	case UPROBE_SUB_RETURN:
		printf("[%d] uprobed_sub returned %d\n", e->pid, e->ret);
		break;
	}
	if (remaining > 0)
		remaining--;
	return 0;
}

int main(int argc, char **argv)
{
	struct uprobe_bpf *skel;
	struct bpf_buffer *buf = NULL;
	int err;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			remaining = strtol(argv[++i], NULL, 10);
		} else {
			printf("USAGE: uprobe [-c COUNT]\n"
			       "Trace uprobed_add() and uprobed_sub() in uprobe-target.\n");
			return strcmp(argv[i], "-h") == 0 ? 0 : 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	skel = uprobe_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "uprobe: cannot load the BPF object: %s\n", strerror(errno));
		return 1;
	}
	err = uprobe_bpf__attach(skel);
	if (err) {
		fprintf(stderr, "uprobe: cannot attach: %s\n", strerror(-err));
		goto cleanup;
	}
	buf = bpf_buffer__open(skel->maps.events, on_event, NULL);
	if (!buf) {
		err = -errno;
		fprintf(stderr, "uprobe: cannot open the ring buffer: %s\n", strerror(errno));
		goto cleanup;
	}
	printf("Tracing uprobed_add() and uprobed_sub()...\n");
	while (remaining != 0) {
		err = bpf_buffer__poll(buf, 100);
		if (err < 0) {
			if (err != -EINTR)
				fprintf(stderr, "uprobe: poll failed: %s\n", strerror(-err));
			break;
		}
		err = 0;
	}
cleanup:
	bpf_buffer__free(buf);
	uprobe_bpf__destroy(skel);
	return err < 0 ? 1 : 0;
}
