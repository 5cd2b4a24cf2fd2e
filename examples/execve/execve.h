// SPDX-License-Identifier: MIT
/* What execve.bpf.c reports for every execve(): who called it and with which command. */
#ifndef EXECVE_H
#define EXECVE_H

#define EXECVE_COMM_LEN 16
#define EXECVE_FILENAME_LEN 128
#define EXECVE_MAX_ARGS 6
#define EXECVE_ARG_LEN 48

struct execve_event {
	int pid;                                  /* the process calling execve() */
	int ppid;
	unsigned int uid;
	int argc;                                 /* arguments copied into args */
	bool truncated;                           /* more arguments than EXECVE_MAX_ARGS */
	char comm[EXECVE_COMM_LEN];               /* its name before the exec: the parent program */
	char filename[EXECVE_FILENAME_LEN];
	char args[EXECVE_MAX_ARGS][EXECVE_ARG_LEN];  /* argv[1..] */
};

#endif
