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

#endif
