// SPDX-License-Identifier: MIT
/* What opensnoop.bpf.c reports for every openat() that returns. */
#ifndef OPENSNOOP_H
#define OPENSNOOP_H

#define OPENSNOOP_COMM_LEN 16
#define OPENSNOOP_NAME_LEN 255

struct open_event {
	unsigned long long ts_ns;
	int pid;
	unsigned int uid;
	int ret;                          /* fd, or -errno */
	int flags;                        /* open flags */
	char comm[OPENSNOOP_COMM_LEN];
	char fname[OPENSNOOP_NAME_LEN];
};

#endif
