// SPDX-License-Identifier: MIT
/* Upstream-style guest (compatibility test): a runqlat as guests of the first wasm-bpf SDK
 * write it, against examples/runqlat's BPF program: .rodata filters set before load, the
 * histogram map walked with bpf_map_get_next_key from a key that is not there (-2), each
 * entry looked up and then deleted, once per interval.
 *
 *   runqlat [INTERVAL [COUNT]] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <stdbool.h>
#include "runqlat.wasm.h"
#include "runqlat.skel.h"

static struct env {
	time_t interval;
	int times;
	bool per_process;
} env = {
	.interval = 1,
	.times = 99999999,
};

static void print_stars(unsigned int val, unsigned int val_max, int width)
{
	int num_stars = val_max ? (int)((unsigned long long)val * width / val_max) : 0, i;

	for (i = 0; i < num_stars; i++)
		printf("*");
}

static void print_log2_hist(unsigned int *vals, int vals_size, const char *val_type)
{
	unsigned int val_max = 0;
	int idx_max = -1, i;

	for (i = 0; i < vals_size; i++) {
		if (vals[i] > 0)
			idx_max = i;
		if (vals[i] > val_max)
			val_max = vals[i];
	}
	if (idx_max < 0)
		return;
	printf("%*s%-*s : count    distribution\n", 10, "", 14, val_type);
	for (i = 0; i <= idx_max; i++) {
		unsigned long long low = (1ULL << (i + 1)) >> 1, high = (1ULL << (i + 1)) - 1;
		if (low == high)
			low -= 1;
		printf("%*llu -> %-*llu : %-8d |", 10, low, 10, high, vals[i]);
		print_stars(vals[i], val_max, 40);
		printf("|\n");
	}
}

static int print_log2_hists(struct bpf_map *hists)
{
	int err, fd = bpf_map__fd(hists);
	uint32_t lookup_key = -2, next_key;
	struct hist hist;

	while (!bpf_map_get_next_key(fd, &lookup_key, &next_key)) {
		err = bpf_map_lookup_elem(fd, &next_key, &hist);
		if (err < 0) {
			fprintf(stderr, "failed to lookup hist: %d\n", err);
			return -1;
		}
		if (env.per_process)
			printf("\npid = %d %s\n", next_key, hist.comm);
		print_log2_hist(hist.slots, sizeof(hist.slots) / sizeof(hist.slots[0]), "usecs");
		lookup_key = next_key;
	}
	lookup_key = -2;
	while (!bpf_map_get_next_key(fd, &lookup_key, &next_key)) {
		err = bpf_map_delete_elem(fd, &next_key);
		if (err < 0) {
			fprintf(stderr, "failed to cleanup hist : %d\n", err);
			return -1;
		}
		lookup_key = next_key;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct runqlat_bpf *obj;
	int err;

	if (argc == 3) {
		env.interval = atoi(argv[1]);
		env.times = atoi(argv[2]);
	} else if (argc == 2) {
		env.interval = atoi(argv[1]);
	}
	if (!env.interval)
		env.interval = 1;

	obj = runqlat_bpf__open();
	if (!obj) {
		fprintf(stderr, "failed to open BPF object\n");
		return 1;
	}
	obj->rodata->targ_per_process = env.per_process;
	obj->rodata->targ_tgid = 0;

	err = runqlat_bpf__load(obj);
	if (err) {
		fprintf(stderr, "failed to load BPF object: %d\n", err);
		goto cleanup;
	}
	err = runqlat_bpf__attach(obj);
	if (err) {
		fprintf(stderr, "failed to attach BPF programs\n");
		goto cleanup;
	}
	printf("Tracing run queue latency... Hit Ctrl-C to end.\n");
	while (1) {
		sleep(env.interval);
		printf("\n");
		err = print_log2_hists(obj->maps.hists);
		fflush(stdout);
		if (err)
			break;
		if (--env.times == 0)
			break;
	}

cleanup:
	runqlat_bpf__destroy(obj);
	return err != 0;
}
