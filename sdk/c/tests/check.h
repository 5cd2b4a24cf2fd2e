// SPDX-License-Identifier: MIT
/* Types shared by check.bpf.c and the SDK check guests: padding, a pointer, a bitfield, a
 * nested anonymous union and an enum, so that the generated layouts get exercised. */
#ifndef SDK_CHECK_H
#define SDK_CHECK_H

enum check_kind {
	CHECK_NONE = 0,
	CHECK_FIRST = 1,
	CHECK_SECOND = 7,
};

struct check_value {
	unsigned long long count;
	unsigned int id;
	char tag;              /* 3 bytes of padding follow on BPF */
	void *where;           /* 8 bytes on BPF */
	enum check_kind kind;
	unsigned int low : 3, high : 13;
	union {
		unsigned short half;
		unsigned char bytes[6];
	};
};

/* An alias of a named type: X.wasm.h keeps it (HEADERS_FROM_BTF finds it). */
typedef struct check_value check_value_t;

struct check_config {
	unsigned char verbose;
	unsigned long long limit;  /* at offset 8 on BPF */
	int levels[3];
};

#endif
