/* SPDX-License-Identifier: MIT */
/* A guest for the C API tests (tests/capi): what it does is argv[1].
 *
 *   echo ARGS...     prints each argument, the GREETING variable and all of stdin; exits with argc
 *   files DIR        reads DIR/in.txt, prints it, tries to write DIR/out.txt, prints the result
 *   sleep            prints "sleeping", sleeps 60 s (cut short when asked to stop), prints
 *                    "woke" and exits 3
 *   spin             counts for ever, printing nothing (only an outright stop ends it)
 *   grow MIB         grows its memory by MIB mebibytes; prints whether it got them
 *   trap             executes `unreachable` */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int echo(int argc, char **argv) {
  for (int i = 2; i < argc; ++i) printf("arg %s\n", argv[i]);
  const char *g = getenv("GREETING");
  printf("env %s\n", g ? g : "(none)");
  char buf[256];
  size_t n, total = 0;
  printf("stdin ");
  while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) {
    fwrite(buf, 1, n, stdout);
    total += n;
  }
  printf("\nstdin bytes %zu\n", total);
  return argc;
}

static int files(const char *dir) {
  char path[512];
  snprintf(path, sizeof path, "%s/in.txt", dir);
  FILE *in = fopen(path, "r");
  if (!in) {
    printf("open %s: %s\n", path, strerror(errno));
    return 1;
  }
  char line[128] = {0};
  if (fgets(line, sizeof line, in)) printf("read %s", line);
  fclose(in);
  snprintf(path, sizeof path, "%s/out.txt", dir);
  FILE *out = fopen(path, "w");
  printf("write %s\n", out ? "ok" : strerror(errno));
  if (out) fclose(out);
  return 0;
}

static volatile unsigned long long counter;

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: capi_guest echo|files|sleep|spin|grow|trap ...\n");
    return 64;
  }
  const char *mode = argv[1];
  if (strcmp(mode, "echo") == 0) return echo(argc, argv);
  if (strcmp(mode, "files") == 0 && argc > 2) return files(argv[2]);
  if (strcmp(mode, "sleep") == 0) {
    printf("sleeping\n");
    fflush(stdout);
    sleep(60);
    printf("woke\n");
    return 3;
  }
  if (strcmp(mode, "spin") == 0)
    for (;;) ++counter;
  if (strcmp(mode, "grow") == 0 && argc > 2) {
    const unsigned long pages = strtoul(argv[2], NULL, 10) * 16;
    const int ok = __builtin_wasm_memory_grow(0, pages) != (size_t)-1;
    printf("grow %s\n", ok ? "ok" : "refused");
    return ok ? 0 : 1;
  }
  if (strcmp(mode, "trap") == 0) __builtin_trap();
  fprintf(stderr, "capi_guest: unknown mode %s\n", mode);
  return 64;
}
