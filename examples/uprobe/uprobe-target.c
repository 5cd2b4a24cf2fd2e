// SPDX-License-Identifier: MIT
// The program uprobe.wasm traces: it calls uprobed_add(a, b) and uprobed_sub(a, b) for the
// numbers on its command line and prints the results.
//
//   uprobe-target A B [A B ...]
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline, used)) int uprobed_add(int a, int b)
{
	__asm__ volatile("" ::: "memory"); /* keep the call a call */
	return a + b;
}

__attribute__((noinline, used)) int uprobed_sub(int a, int b)
{
	__asm__ volatile("" ::: "memory");
	return a - b;
}

int main(int argc, char **argv)
{
	for (int i = 1; i + 1 < argc; i += 2) {
		int a = atoi(argv[i]), b = atoi(argv[i + 1]);
		printf("%d + %d = %d, %d - %d = %d\n", a, b, uprobed_add(a, b), a, b, uprobed_sub(a, b));
	}
	return 0;
}
