// SPDX-License-Identifier: MIT
// uprobe: prints the calls of uprobed_add() and uprobed_sub() in uprobe-target, with their
// arguments, and their results (uprobes and uretprobes attached by section name).
//
//   wasm-bpf run uprobe.wasm [-c COUNT] [BINARY]
//
// BINARY (default: uprobe-target next to the module) is written into the programs' section
// names before load: see uprobe.h. A relative path is relative to where wasm-bpf runs.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uprobe.wasm.h"
#include "uprobe.skel.h"

static long remaining = -1;

/* The placeholder of the traced binary's path: a run of at least this many '/' before ':'. */
#define PLACEHOLDER_MIN 128

/* Writes `path` over every placeholder in the object's bytes (the programs' section names, in
 * the ELF section names and in the BTF strings that refer to them), padded with slashes that
 * do not change what it names. Returns how many placeholders there were, or -ENAMETOOLONG. */
static int set_traced_binary(struct bpf_object *obj, const char *path)
{
	unsigned char *b = obj->elf;
	size_t i = 0, found = 0;
	int absolute = path[0] == '/';
	const char *rest = path;
	size_t len;

	if (!absolute && strncmp(rest, "./", 2) == 0)
		rest += 2;
	len = strlen(rest);
	while (i < obj->elf_sz) {
		size_t run = 0;
		while (i + run < obj->elf_sz && b[i + run] == '/')
			run++;
		if (run > PLACEHOLDER_MIN && i + run < obj->elf_sz && b[i + run] == ':') {
			/* The run is the '/' after "uprobe" and the placeholder: keep the first. The
			 * path becomes "////usr/bin/x" for "/usr/bin/x", ".////bin/x" for "bin/x". */
			unsigned char *at = b + i + 1;
			size_t room = run - 1;
			if (len + (absolute ? 0 : 2) > room)
				return -ENAMETOOLONG;
			memset(at, '/', room - len);
			if (!absolute)
				at[0] = '.';
			memcpy(at + room - len, rest, len);
			found++;
		}
		i += run ? run : 1;
	}
	return (int)found;
}

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
	char binary[512];
	const char *slash = strrchr(argv[0], '/');
	const size_t len0 = strlen(argv[0]);
	/* argv[0] is what was run: a module file, or a registry reference, which has no
	 * directory that could hold uprobe-target. */
	const int from_file = len0 > 5 && strcmp(argv[0] + len0 - 5, ".wasm") == 0;
	int given = 0;
	int err;

	/* uprobe-target next to this module, by default */
	if (slash)
		snprintf(binary, sizeof(binary), "%.*s/uprobe-target", (int)(slash - argv[0]), argv[0]);
	else
		snprintf(binary, sizeof(binary), "uprobe-target");
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			remaining = strtol(argv[++i], NULL, 10);
		} else if (argv[i][0] != '-') {
			snprintf(binary, sizeof(binary), "%s", argv[i]);
			given = 1;
		} else {
			printf("USAGE: uprobe [-c COUNT] [BINARY]\n"
			       "Trace uprobed_add() and uprobed_sub() in BINARY (default: the\n"
			       "uprobe-target next to this module).\n");
			return strcmp(argv[i], "-h") == 0 ? 0 : 2;
		}
	}
	if (!given && !from_file) {
		fprintf(stderr, "uprobe: %s is not a module file, so there is no uprobe-target next to it:\n"
		                "give the binary to trace: wasm-bpf run %s [-c COUNT] /path/to/uprobe-target\n",
		        argv[0], argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	skel = uprobe_bpf__open();
	if (!skel) {
		fprintf(stderr, "uprobe: cannot open the BPF object: %s\n", strerror(errno));
		return 1;
	}
	err = set_traced_binary(skel->obj, binary);
	if (err <= 0) {
		fprintf(stderr, "uprobe: cannot trace %s: %s\n", binary,
		        err ? strerror(-err) : "no path placeholder in the BPF object");
		uprobe_bpf__destroy(skel);
		return 1;
	}
	err = uprobe_bpf__load(skel);
	if (err) {
		fprintf(stderr, "uprobe: cannot load the BPF object: %s\n", strerror(-err));
		goto cleanup;
	}
	err = uprobe_bpf__attach(skel);
	if (err) {
		fprintf(stderr, "uprobe: cannot attach to %s: %s (give the path of uprobe-target)\n", binary,
		        strerror(-err));
		goto cleanup;
	}
	buf = bpf_buffer__open(skel->maps.events, on_event, NULL);
	if (!buf) {
		err = -errno;
		fprintf(stderr, "uprobe: cannot open the ring buffer: %s\n", strerror(errno));
		goto cleanup;
	}
	printf("Tracing uprobed_add() and uprobed_sub() in %s...\n", binary);
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
