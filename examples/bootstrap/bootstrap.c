// SPDX-License-Identifier: MIT
// bootstrap: prints a line when a process starts a program (EXEC) and when a process exits
// (EXIT, with its exit code and, if its exec was seen, how long it ran).
//
//   wasm-bpf run bootstrap.wasm [-d MIN_DURATION_MS] [-v]
//
// With -d only exits of processes that ran at least that long are shown; the BPF side
// filters, through the read-only global min_duration_ns set before the object is loaded.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bootstrap.wasm.h"  /* struct event, laid out as the BPF program writes it */
#include "bootstrap.skel.h"

static void usage(void)
{
	printf("bootstrap: trace process starts and exits\n\n"
	       "USAGE: bootstrap [-d MIN_DURATION_MS] [-v]\n"
	       "  -d MS  show only exits of processes that ran at least MS milliseconds\n"
	       "  -v     say what is being set up\n");
}

static int handle_event(void *ctx, void *data, size_t size)
{
	const struct event *e = (const struct event *)data;
	char ts[16];
	time_t now;

	(void)ctx;
	if (size < sizeof(*e))
		return 0;
	time(&now);
	strftime(ts, sizeof(ts), "%H:%M:%S", localtime(&now));
	if (e->exit_event) {
		printf("%-8s %-5s %-16s %-7d %-7d [%u]", ts, "EXIT", e->comm, e->pid, e->ppid,
		       e->exit_code);
		if (e->duration_ns)
			printf(" (%llums)", (unsigned long long)(e->duration_ns / 1000000));
		printf("\n");
	} else {
		printf("%-8s %-5s %-16s %-7d %-7d %s\n", ts, "EXEC", e->comm, e->pid, e->ppid,
		       e->filename);
	}
	return 0;
}

int main(int argc, char **argv)
{
	long min_duration_ms = 0;
	int verbose = 0;
	struct bootstrap_bpf *skel;
	struct bpf_buffer *rb = NULL;
	int err;

	for (int i = 1; i < argc; i++) {
		if ((strcmp(argv[i], "-d") == 0 || strcmp(argv[i], "--duration") == 0) &&
		    i + 1 < argc) {
			char *end;
			min_duration_ms = strtol(argv[++i], &end, 10);
			if (*end || min_duration_ms < 0) {
				fprintf(stderr, "bootstrap: invalid duration '%s'\n", argv[i]);
				return 2;
			}
		} else if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0) {
			verbose = 1;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage();
			return 0;
		} else {
			usage();
			return 2;
		}
	}
	/* Lines go out as they are printed, also into a pipe. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	skel = bootstrap_bpf__open();
	if (!skel) {
		fprintf(stderr, "bootstrap: cannot open the BPF skeleton: %s\n", strerror(errno));
		return 1;
	}
	/* Written into the embedded object's .rodata: the BPF code sees it as a constant. */
	skel->rodata->min_duration_ns = (unsigned long long)min_duration_ms * 1000000ULL;

	err = bootstrap_bpf__load(skel);
	if (err) {
		fprintf(stderr, "bootstrap: cannot load the BPF object (%d)\n", err);
		goto cleanup;
	}
	err = bootstrap_bpf__attach(skel);
	if (err) {
		fprintf(stderr, "bootstrap: cannot attach the BPF programs: %s\n", strerror(-err));
		goto cleanup;
	}
	rb = bpf_buffer__open(skel->maps.rb, handle_event, NULL);
	if (!rb) {
		err = -errno;
		fprintf(stderr, "bootstrap: cannot open the ring buffer: %s\n", strerror(errno));
		goto cleanup;
	}
	if (verbose)
		fprintf(stderr, "bootstrap: attached; minimum duration %ld ms\n", min_duration_ms);

	printf("%-8s %-5s %-16s %-7s %-7s %s\n", "TIME", "EVENT", "COMM", "PID", "PPID",
	       "FILENAME/EXIT CODE");
	for (;;) {
		err = bpf_buffer__poll(rb, 100 /* ms */);
		if (err == -EINTR) {
			err = 0;
			break;
		}
		if (err < 0) {
			fprintf(stderr, "bootstrap: polling the ring buffer failed: %s\n", strerror(-err));
			break;
		}
	}

cleanup:
	bpf_buffer__free(rb);
	bootstrap_bpf__destroy(skel);
	return err < 0 ? 1 : 0;
}
