// SPDX-License-Identifier: MIT
/* One call of (or return from) a traced function of uprobe-target. */
#ifndef UPROBE_EXAMPLE_H
#define UPROBE_EXAMPLE_H

enum uprobe_kind {
	UPROBE_ADD_CALL = 1,
	UPROBE_ADD_RETURN = 2,
	UPROBE_SUB_CALL = 3,
	UPROBE_SUB_RETURN = 4,
};

struct uprobe_event {
	int pid;
	enum uprobe_kind kind;
	int a, b;        /* the arguments (calls) */
	int ret;         /* the result (returns) */
};

/* The traced binary's path in the programs' section names ("uprobe/PATH:uprobed_add") is
 * this placeholder of 256 slashes: uprobe.c writes the real path over it in the embedded
 * object before loading it, padded to the same length ("////usr/bin/x" and ".////bin/x" name
 * the same files as "/usr/bin/x" and "bin/x"). */
#define UPROBE_SLASHES_64 "////////////////////////////////////////////////////////////////"
#define UPROBE_PATH_PLACEHOLDER UPROBE_SLASHES_64 UPROBE_SLASHES_64 UPROBE_SLASHES_64 UPROBE_SLASHES_64

#endif
