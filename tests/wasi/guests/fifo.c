// SPDX-License-Identifier: MIT
// Opens a FIFO the way ordinary programs do, for the signal and timeout tests:
//   fifo read PATH    prints "opening", opens PATH for reading and copies it to stdout
//   fifo write PATH   prints "opening", opens PATH for writing and writes "from the guest\n"
//   fifo touch PATH   prints "opening", sets PATH's times (utimes, following symlinks)
// Each prints "done" at the end. Without the other end of the FIFO, read and write block
// (in open or in the first read) until the guest is stopped.
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: fifo read|write|touch PATH\n");
    return 64;
  }
  const char* mode = argv[1];
  const char* path = argv[2];
  puts("opening");
  fflush(stdout);
  if (strcmp(mode, "touch") == 0) {
    struct timeval tv[2] = {{1000000000, 0}, {1000000000, 0}};
    if (utimes(path, tv) != 0) {
      perror("utimes");
      return 1;
    }
  } else if (strcmp(mode, "read") == 0) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
      perror("open");
      return 1;
    }
    char buf[256];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) fwrite(buf, 1, (size_t)n, stdout);
    close(fd);
  } else if (strcmp(mode, "write") == 0) {
    int fd = open(path, O_WRONLY);
    if (fd < 0) {
      perror("open");
      return 1;
    }
    const char text[] = "from the guest\n";
    if (write(fd, text, sizeof text - 1) != (ssize_t)(sizeof text - 1)) perror("write");
    close(fd);
  } else {
    fprintf(stderr, "unknown mode %s\n", mode);
    return 64;
  }
  puts("done");
  return 0;
}
