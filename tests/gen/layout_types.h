// SPDX-License-Identifier: MIT
/* Types whose BPF layout has every feature `wasm-bpf gen header` must reproduce: padding,
 * pointers, function pointers, bitfields (also across a 64-bit unit), unions, nested and
 * anonymous members, multi-dimensional arrays, enums (signed, bit flags), typedefs of
 * anonymous structs and of named ones, packed and over-aligned members. Compiled for BPF (C) and, by
 * gen_test.cpp, natively (x86-64 and BPF lay out these types the same way). */
#ifndef GEN_LAYOUT_TYPES_H
#define GEN_LAYOUT_TYPES_H

#ifdef __cplusplus
#define GEN_BOOL bool
#else
#define GEN_BOOL _Bool
#endif

enum gen_color { GEN_RED, GEN_GREEN = 5, GEN_BLUE = -1 };

enum gen_perm { GEN_PERM_NONE = 0, GEN_PERM_READ = 1, GEN_PERM_WRITE = 2, GEN_PERM_EXEC = 8 };

typedef struct {
	int a;
	char b;
} gen_anon_t;

struct gen_inner {
	char c;
	long l;
};

typedef struct gen_inner gen_inner_t; /* a typedef of a named type: kept under its name */

union gen_u {
	int i;
	char bytes[5];
	long long ll;
};

struct gen_outer {
	char tag;
	struct gen_inner inner;
	union gen_u u;
	void *ptr;
	void (*fn)(int);
	enum gen_color color;
	unsigned int flags : 3;
	unsigned int level : 7;
	signed int delta : 6;
	unsigned long long big : 40;
	unsigned char after_bits;
	short arr[3][2];
	struct {
		int x, y;
	} point;
	union {
		int as_int;
		float as_float;
	};
	gen_anon_t anon;
	GEN_BOOL ok;
	enum gen_perm perm;
};

struct gen_packed {
	char a;
	int b;
} __attribute__((packed));

struct gen_aligned {
	char a;
	int b __attribute__((aligned(16)));
	struct gen_packed p;
};

#endif
