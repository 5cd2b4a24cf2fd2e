// SPDX-License-Identifier: MIT
// runqlat: summarizes run queue (scheduler) latency as log2 histograms, every INTERVAL
// seconds, COUNT times. The BPF side fills a hash map of histograms; each interval this
// walks the map with get-next-key, prints each histogram and deletes it.
//
//   wasm-bpf run runqlat.wasm [-m] [-P | -L] [-p PID] [INTERVAL [COUNT]]
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runqlat.wasm.h"
#include "runqlat.skel.h"

static struct {
	bool milliseconds;
	bool per_process;
	bool per_thread;
	long pid;
	long interval;
	long times;
} env = {false, false, false, 0, 1, 99999999};

static void usage(void)
{
	printf("USAGE: runqlat [-m] [-P | -L] [-p PID] [INTERVAL [COUNT]]\n"
	       "Summarize run queue latency as a histogram.\n"
	       "  -m      milliseconds instead of microseconds\n"
	       "  -P      a histogram per process\n"
	       "  -L      a histogram per thread\n"
	       "  -p PID  only this process\n");
}

static void print_stars(unsigned int val, unsigned int max, int width)
{
	int stars = max ? (int)((unsigned long long)val * (unsigned)width / max) : 0;
	bool more = val > max;

	if (stars > width)
		stars = width;
	for (int i = 0; i < width; i++)
		putchar(i < stars ? '*' : ' ');
	if (more)
		putchar('+');
}

static void print_log2_hist(const unsigned int *vals, int n, const char *unit)
{
	int idx_max = -1, width = 40;
	unsigned int val_max = 0;

	for (int i = 0; i < n; i++) {
		if (vals[i] > 0)
			idx_max = i;
		if (vals[i] > val_max)
			val_max = vals[i];
	}
	if (idx_max < 0)
		return;
	printf("%*s%-*s : count    distribution\n", idx_max <= 32 ? 5 : 15, "",
	       idx_max <= 32 ? 19 : 29, unit);
	for (int i = 0; i <= idx_max; i++) {
		unsigned long long low = i ? (1ULL << i) : 0;
		unsigned long long high = (1ULL << (i + 1)) - 1;
		printf("%*llu -> %-*llu : %-8u |", idx_max <= 32 ? 10 : 20, low,
		       idx_max <= 32 ? 10 : 20, high, vals[i]);
		print_stars(vals[i], val_max, width);
		printf("|\n");
	}
}

static int print_and_clear(struct runqlat_bpf *skel)
{
	const char *unit = env.milliseconds ? "msecs" : "usecs";
	int fd = bpf_map__fd(skel->maps.hists);
	uint32_t key, next;
	struct hist hist;
	const uint32_t *prev = NULL;
	int err;

	while ((err = bpf_map_get_next_key(fd, prev, &next)) == 0) {
		err = bpf_map_lookup_elem(fd, &next, &hist);
		if (err < 0) {
			fprintf(stderr, "runqlat: cannot read a histogram: %s\n", strerror(-err));
			return err;
		}
		if (env.per_process)
			printf("\npid = %u %s\n", next, hist.comm);
		else if (env.per_thread)
			printf("\ntid = %u %s\n", next, hist.comm);
		print_log2_hist(hist.slots, (int)(sizeof(hist.slots) / sizeof(hist.slots[0])), unit);
		key = next;
		prev = &key;
	}
	if (err != -ENOENT)
		return err;
	/* Start the next interval from empty histograms. */
	while (bpf_map_get_next_key(fd, NULL, &next) == 0) {
		err = bpf_map_delete_elem(fd, &next);
		if (err < 0 && err != -ENOENT) {
			fprintf(stderr, "runqlat: cannot delete a histogram: %s\n", strerror(-err));
			return err;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct runqlat_bpf *skel;
	int positional = 0;
	int err;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-m") == 0) {
			env.milliseconds = true;
		} else if (strcmp(a, "-P") == 0) {
			env.per_process = true;
		} else if (strcmp(a, "-L") == 0) {
			env.per_thread = true;
		} else if (strcmp(a, "-p") == 0 && i + 1 < argc) {
			env.pid = strtol(argv[++i], NULL, 10);
		} else if (a[0] >= '0' && a[0] <= '9' && positional < 2) {
			long v = strtol(a, NULL, 10);
			if (positional++ == 0)
				env.interval = v > 0 ? v : 1;
			else
				env.times = v > 0 ? v : 1;
		} else {
			usage();
			return strcmp(a, "-h") == 0 ? 0 : 2;
		}
	}
	if (env.per_process && env.per_thread) {
		fprintf(stderr, "runqlat: -P and -L cannot be used together\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	skel = runqlat_bpf__open();
	if (!skel) {
		fprintf(stderr, "runqlat: cannot open the BPF skeleton: %s\n", strerror(errno));
		return 1;
	}
	skel->rodata->targ_per_process = env.per_process;
	skel->rodata->targ_per_thread = env.per_thread;
	skel->rodata->targ_ms = env.milliseconds;
	skel->rodata->targ_tgid = (int32_t)env.pid;
	err = runqlat_bpf__load(skel);
	if (err) {
		fprintf(stderr, "runqlat: cannot load the BPF object (%d); tp_btf programs need BTF\n", err);
		goto cleanup;
	}
	err = runqlat_bpf__attach(skel);
	if (err) {
		fprintf(stderr, "runqlat: cannot attach: %s\n", strerror(-err));
		goto cleanup;
	}
	printf("Tracing run queue latency... Hit Ctrl-C to end.\n");
	while (env.times-- > 0) {
		sleep((unsigned)env.interval);
		printf("\n");
		err = print_and_clear(skel);
		if (err)
			break;
	}
cleanup:
	runqlat_bpf__destroy(skel);
	return err < 0 ? 1 : 0;
}
