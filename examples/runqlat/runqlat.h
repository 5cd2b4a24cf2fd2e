// SPDX-License-Identifier: MIT
/* The histograms runqlat.bpf.c keeps: one per key (all tasks, a process or a thread). */
#ifndef RUNQLAT_H
#define RUNQLAT_H

#define RUNQLAT_COMM_LEN 16
#define RUNQLAT_MAX_SLOTS 26

struct hist {
	unsigned int slots[RUNQLAT_MAX_SLOTS];  /* slot i counts latencies in [2^i, 2^(i+1)) */
	char comm[RUNQLAT_COMM_LEN];
};

#endif
