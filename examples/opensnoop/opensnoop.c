// SPDX-License-Identifier: MIT
// opensnoop: prints every openat() on the system with the calling process and the result.
//
//   wasm-bpf run opensnoop.wasm [-p PID] [-u UID] [-x] [-n NAME] [-d SECONDS] [-e]
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "opensnoop.wasm.h"
#include "opensnoop.skel.h"

static struct {
	long pid;
	long uid;
	bool failed;
	bool extended;
	const char *name;
	long duration_s;
} env = {0, -1, false, false, NULL, 0};

static void usage(void)
{
	printf("USAGE: opensnoop [-p PID] [-u UID] [-x] [-n NAME] [-d SECONDS] [-e]\n"
	       "Trace openat() calls.\n"
	       "  -p PID      only this process\n"
	       "  -u UID      only this user\n"
	       "  -x          only failed opens\n"
	       "  -n NAME     only processes whose name contains NAME\n"
	       "  -d SECONDS  stop after SECONDS\n"
	       "  -e          show the open flags\n");
}

static int on_open(void *ctx, void *data, size_t size)
{
	const struct open_event *e = (const struct open_event *)data;
	int fd, err;

	(void)ctx;
	if (size < sizeof(*e))
		return 0;
	if (env.name && !strstr(e->comm, env.name))
		return 0;
	fd = e->ret >= 0 ? e->ret : -1;
	err = e->ret >= 0 ? 0 : -e->ret;
	printf("%-7d %-16s %3d %3d ", e->pid, e->comm, fd, err);
	if (env.extended)
		printf("%08o ", (unsigned)e->flags);
	printf("%s\n", e->fname);
	return 0;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct opensnoop_bpf *skel;
	struct bpf_buffer *buf = NULL;
	double end = 0;
	int err;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "-p") == 0 && v) {
			env.pid = strtol(v, NULL, 10), i++;
		} else if (strcmp(a, "-u") == 0 && v) {
			env.uid = strtol(v, NULL, 10), i++;
		} else if (strcmp(a, "-n") == 0 && v) {
			env.name = v, i++;
		} else if (strcmp(a, "-d") == 0 && v) {
			env.duration_s = strtol(v, NULL, 10), i++;
		} else if (strcmp(a, "-x") == 0) {
			env.failed = true;
		} else if (strcmp(a, "-e") == 0) {
			env.extended = true;
		} else {
			usage();
			return strcmp(a, "-h") == 0 ? 0 : 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	skel = opensnoop_bpf__open();
	if (!skel) {
		fprintf(stderr, "opensnoop: cannot open the BPF skeleton: %s\n", strerror(errno));
		return 1;
	}
	skel->rodata->targ_tgid = (int32_t)env.pid;
	skel->rodata->targ_uid = (uint32_t)env.uid;
	skel->rodata->targ_failed = env.failed;
	err = opensnoop_bpf__load(skel);
	if (err) {
		fprintf(stderr, "opensnoop: cannot load the BPF object (%d)\n", err);
		goto cleanup;
	}
	err = opensnoop_bpf__attach(skel);
	if (err) {
		fprintf(stderr, "opensnoop: cannot attach: %s\n", strerror(-err));
		goto cleanup;
	}
	/* `events` is a perf event array: the same calls as for a ring buffer. */
	buf = bpf_buffer__open(skel->maps.events, on_open, NULL);
	if (!buf) {
		err = -errno;
		fprintf(stderr, "opensnoop: cannot open the perf buffer: %s\n", strerror(errno));
		goto cleanup;
	}
	printf("%-7s %-16s %3s %3s ", "PID", "COMM", "FD", "ERR");
	if (env.extended)
		printf("%-8s ", "FLAGS");
	printf("PATH\n");
	if (env.duration_s > 0)
		end = now_s() + (double)env.duration_s;
	for (;;) {
		err = bpf_buffer__poll(buf, 100);
		if (err < 0) {
			if (err != -EINTR)
				fprintf(stderr, "opensnoop: poll failed: %s\n", strerror(-err));
			break;
		}
		err = 0;
		if (end > 0 && now_s() >= end)
			break;
	}
cleanup:
	bpf_buffer__free(buf);
	opensnoop_bpf__destroy(skel);
	return err < 0 ? 1 : 0;
}
