// SPDX-License-Identifier: MIT
// execve: prints "[PID] PARENT -> COMMAND" for every program started on the system, where
// PARENT is the name of the process that called execve() and COMMAND the new program with
// its arguments.
//
//   wasm-bpf run execve.wasm [-c COUNT]
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "execve.wasm.h"
#include "execve.skel.h"

static long remaining = -1; /* records still to print; -1: no limit */

static int on_exec(void *ctx, void *data, size_t size)
{
	const struct execve_event *e = (const struct execve_event *)data;
	const int max_args = (int)(sizeof(e->args) / sizeof(e->args[0]));

	(void)ctx;
	if (size < sizeof(*e) || remaining == 0)
		return 0;
	printf("[%d] %s -> %s", e->pid, e->comm, e->filename);
	for (int i = 0; i < e->argc && i < max_args; i++)
		printf(" %s", e->args[i]);
	printf("%s\n", e->truncated ? " ..." : "");
	if (remaining > 0)
		remaining--;
	return 0;
}

int main(int argc, char **argv)
{
	struct execve_bpf *skel;
	struct bpf_buffer *buf = NULL;
	int err;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			remaining = strtol(argv[++i], NULL, 10);
		} else {
			printf("USAGE: execve [-c COUNT]\n"
			       "Print [PID] PARENT -> COMMAND for every execve(); stop after COUNT.\n");
			return strcmp(argv[i], "-h") == 0 ? 0 : 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	skel = execve_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "execve: cannot load the BPF object: %s\n", strerror(errno));
		return 1;
	}
	err = execve_bpf__attach(skel);
	if (err) {
		fprintf(stderr, "execve: cannot attach: %s\n", strerror(-err));
		goto cleanup;
	}
	buf = bpf_buffer__open(skel->maps.events, on_exec, NULL);
	if (!buf) {
		err = -errno;
		fprintf(stderr, "execve: cannot open the ring buffer: %s\n", strerror(errno));
		goto cleanup;
	}
	printf("Tracing execve()... [PID] PARENT -> COMMAND\n");
	while (remaining != 0) {
		err = bpf_buffer__poll(buf, 100);
		if (err < 0) {
			if (err != -EINTR)
				fprintf(stderr, "execve: poll failed: %s\n", strerror(-err));
			break;
		}
		err = 0;
	}
cleanup:
	bpf_buffer__free(buf);
	execve_bpf__destroy(skel);
	return err < 0 ? 1 : 0;
}
