// SPDX-License-Identifier: MIT
// File system operations inside a preopened directory.
//
//   files ops DIR     runs every check below inside DIR (the guest path of a --dir), printing
//                     "OK name" or "FAIL name: detail (errno N: text)" per step and "DONE";
//                     exits 1 if any step failed. DIR must hold from_host.txt containing
//                     "from the host\n"; the run leaves host_check.txt ("written by guest\n")
//                     and a.txt behind for the host to check, and removes everything else it
//                     made.
//   files preopens    prints "preopen FD NAME" for each preopened directory
//   files cat PATH    prints the file at PATH (exit 1 with the errno if it cannot)
//   files readonly DIR OTHER
//                     DIR is a read-only preopen holding from_host.txt and sub/; OTHER a
//                     writable one: every change in DIR (writing, creating, truncating,
//                     removing, renaming, linking, symlinking, setting times, also a link of
//                     a DIR file into OTHER) must fail with EROFS, reading must work.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>
#include <wasi/api.h>

static int failures;
static const char* dir;

static const char* P(const char* rel) {
  // Up to 4 paths live at once (rotating buffers).
  static char bufs[4][512];
  static int next;
  char* b = bufs[next++ % 4];
  snprintf(b, sizeof bufs[0], "%s/%s", dir, rel);
  return b;
}

static void ok(const char* name) { printf("OK %s\n", name); }

static void fail(const char* name, const char* fmt, ...) {
  const int e = errno;
  char detail[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, sizeof detail, fmt, ap);
  va_end(ap);
  printf("FAIL %s: %s (errno %d: %s)\n", name, detail, e, strerror(e));
  ++failures;
}

#define CHECK(name, cond, ...)      \
  do {                              \
    if (cond) {                     \
      ok(name);                     \
    } else {                        \
      fail(name, __VA_ARGS__);      \
    }                               \
  } while (0)

static int write_file(const char* path, const char* text) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return -1;
  size_t len = strlen(text);
  ssize_t n = write(fd, text, len);
  close(fd);
  return n == (ssize_t)len ? 0 : -1;
}

// Reads a whole (small) file into buf; returns its length or -1.
static ssize_t read_file(const char* path, char* buf, size_t cap) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -1;
  size_t total = 0;
  for (;;) {
    ssize_t n = read(fd, buf + total, cap - 1 - total);
    if (n < 0) {
      close(fd);
      return -1;
    }
    if (n == 0) break;
    total += (size_t)n;
  }
  buf[total] = '\0';
  close(fd);
  return (ssize_t)total;
}

static int cmp_str(const void* a, const void* b) {
  return strcmp(*(const char* const*)a, *(const char* const*)b);
}

static void check_basic_io(void) {
  char buf[256];
  errno = 0;
  ssize_t n = read_file(P("from_host.txt"), buf, sizeof buf);
  CHECK("read host file", n == 14 && strcmp(buf, "from the host\n") == 0, "got %zd bytes", n);

  CHECK("create and write", write_file(P("a.txt"), "hello file\n") == 0, "write_file");

  int fd = open(P("a.txt"), O_RDWR);
  CHECK("open rdwr", fd >= 0, "open");
  if (fd < 0) return;
  memset(buf, 0, sizeof buf);
  n = read(fd, buf, sizeof buf);
  CHECK("read back", n == 11 && memcmp(buf, "hello file\n", 11) == 0, "read %zd", n);
  off_t off = lseek(fd, 0, SEEK_END);
  CHECK("seek end", off == 11, "lseek -> %lld", (long long)off);
  off = lseek(fd, 6, SEEK_SET);
  n = read(fd, buf, 4);
  CHECK("seek set + read", off == 6 && n == 4 && memcmp(buf, "file", 4) == 0, "off %lld n %zd",
        (long long)off, n);
  off = lseek(fd, 0, SEEK_CUR);
  CHECK("tell", off == 10, "lseek(0, SEEK_CUR) -> %lld", (long long)off);
  off = lseek(fd, -4, SEEK_CUR);
  CHECK("seek cur negative", off == 6, "-> %lld", (long long)off);
  off = lseek(fd, -100, SEEK_SET);
  CHECK("seek before start fails", off == -1 && errno == EINVAL, "-> %lld", (long long)off);
  lseek(fd, 10, SEEK_SET);

  n = pwrite(fd, "HELLO", 5, 0);
  CHECK("pwrite", n == 5, "pwrite -> %zd", n);
  memset(buf, 0, sizeof buf);
  n = pread(fd, buf, 5, 0);
  CHECK("pread", n == 5 && memcmp(buf, "HELLO", 5) == 0, "pread -> %zd '%s'", n, buf);
  off = lseek(fd, 0, SEEK_CUR);
  CHECK("pread/pwrite keep the offset", off == 10, "offset %lld", (long long)off);
  n = pread(fd, buf, sizeof buf, 100);
  CHECK("pread past the end", n == 0, "-> %zd", n);

  // Scatter/gather.
  struct iovec iov[3] = {{"ab", 2}, {"", 0}, {"cdef", 4}};
  lseek(fd, 0, SEEK_END);
  n = writev(fd, iov, 3);
  CHECK("writev", n == 6, "-> %zd", n);
  char r1[3] = {0}, r2[5] = {0};
  struct iovec riov[2] = {{r1, 2}, {r2, 4}};
  lseek(fd, 11, SEEK_SET);
  n = readv(fd, riov, 2);
  CHECK("readv", n == 6 && strcmp(r1, "ab") == 0 && strcmp(r2, "cdef") == 0, "-> %zd", n);

  struct stat st;
  int rc = fstat(fd, &st);
  CHECK("fstat", rc == 0 && S_ISREG(st.st_mode) && st.st_size == 17, "rc %d size %lld", rc,
        (long long)st.st_size);

  rc = ftruncate(fd, 4);
  fstat(fd, &st);
  CHECK("ftruncate shrink", rc == 0 && st.st_size == 4, "rc %d size %lld", rc, (long long)st.st_size);
  rc = ftruncate(fd, 100);
  fstat(fd, &st);
  memset(buf, 'x', sizeof buf);
  n = pread(fd, buf, 10, 4);
  int zeros = n == 10;
  for (int i = 0; i < 10 && zeros; ++i) zeros = buf[i] == 0;
  CHECK("ftruncate grow", rc == 0 && st.st_size == 100 && zeros, "rc %d size %lld",
        rc, (long long)st.st_size);
  CHECK("fsync", fsync(fd) == 0, "fsync");
  CHECK("fdatasync", fdatasync(fd) == 0, "fdatasync");
  close(fd);

  // Leave a.txt as "HELL" + "\n" for the host.
  fd = open(P("a.txt"), O_WRONLY | O_TRUNC);
  n = fd >= 0 ? write(fd, "HELL\n", 5) : -1;
  if (fd >= 0) close(fd);
  CHECK("O_TRUNC", n == 5, "-> %zd", n);

  fd = open(P("a.txt"), O_WRONLY | O_APPEND);
  n = fd >= 0 ? write(fd, "more\n", 5) : -1;
  if (fd >= 0) {
    lseek(fd, 0, SEEK_SET);
    n += write(fd, "end\n", 4);  // O_APPEND: still goes to the end
    close(fd);
  }
  n = read_file(P("a.txt"), buf, sizeof buf);
  CHECK("O_APPEND", n == 14 && strcmp(buf, "HELL\nmore\nend\n") == 0, "content '%s'", buf);

  int flags = -1;
  fd = open(P("a.txt"), O_RDONLY | O_APPEND);
  if (fd >= 0) {
    flags = fcntl(fd, F_GETFL);
    close(fd);
  }
  CHECK("fcntl F_GETFL", flags >= 0 && (flags & O_APPEND) != 0, "flags %#x", flags);

  fd = open(P("a.txt"), O_WRONLY | O_CREAT | O_EXCL, 0644);
  CHECK("O_EXCL on an existing file", fd < 0 && errno == EEXIST, "fd %d", fd);
  if (fd >= 0) close(fd);
  fd = open(P("no_such_file"), O_RDONLY);
  CHECK("open missing file", fd < 0 && errno == ENOENT, "fd %d", fd);
  if (fd >= 0) close(fd);
  fd = open(P("a.txt"), O_RDONLY | O_DIRECTORY);
  CHECK("O_DIRECTORY on a file", fd < 0 && errno == ENOTDIR, "fd %d", fd);
  if (fd >= 0) close(fd);
  fd = open(P("a.txt"), O_RDONLY);
  n = fd >= 0 ? write(fd, "x", 1) : 0;
  CHECK("write to a read-only fd fails", fd >= 0 && n < 0, "write -> %zd", n);
  if (fd >= 0) close(fd);
  CHECK("access", access(P("a.txt"), R_OK | W_OK) == 0 && access(P("nope"), F_OK) != 0, "access");

  CHECK("guest file for the host", write_file(P("host_check.txt"), "written by guest\n") == 0,
        "write_file");
}

static void check_big_file(void) {
  const size_t size = 1u << 20;
  char* out = malloc(size);
  char* in = malloc(size);
  for (size_t i = 0; i < size; ++i) out[i] = (char)(i * 131 + (i >> 9));
  int fd = open(P("big.bin"), O_RDWR | O_CREAT | O_TRUNC, 0644);
  size_t done = 0;
  while (fd >= 0 && done < size) {
    ssize_t n = write(fd, out + done, size - done);
    if (n <= 0) break;
    done += (size_t)n;
  }
  CHECK("write 1 MiB", done == size, "wrote %zu", done);
  size_t got = 0;
  if (fd >= 0) {
    lseek(fd, 0, SEEK_SET);
    while (got < size) {
      ssize_t n = read(fd, in + got, size - got);
      if (n <= 0) break;
      got += (size_t)n;
    }
    close(fd);
  }
  CHECK("read 1 MiB back", got == size && memcmp(in, out, size) == 0, "read %zu", got);
  CHECK("unlink big file", unlink(P("big.bin")) == 0, "unlink");
  free(out);
  free(in);
}

static void check_dirs(void) {
  struct stat st;
  CHECK("mkdir", mkdir(P("d"), 0755) == 0, "mkdir");
  CHECK("stat dir", stat(P("d"), &st) == 0 && S_ISDIR(st.st_mode), "stat");
  CHECK("mkdir existing", mkdir(P("d"), 0755) != 0 && errno == EEXIST, "second mkdir");
  CHECK("create in subdir", write_file(P("d/x"), "x\n") == 0 && write_file(P("d/y"), "yy\n") == 0,
        "write_file");
  CHECK("nested mkdir", mkdir(P("d/sub"), 0755) == 0, "mkdir d/sub");

  DIR* dp = opendir(P("d"));
  char* names[16];
  int count = 0;
  int saw_dot = 0, saw_dotdot = 0;
  if (dp != NULL) {
    struct dirent* e;
    while ((e = readdir(dp)) != NULL) {
      if (strcmp(e->d_name, ".") == 0) {
        saw_dot = 1;
      } else if (strcmp(e->d_name, "..") == 0) {
        saw_dotdot = 1;
      } else if (count < 16) {
        names[count++] = strdup(e->d_name);
      }
    }
    closedir(dp);
  }
  qsort(names, (size_t)count, sizeof names[0], cmp_str);
  char listing[256] = "";
  for (int i = 0; i < count; ++i) {
    strcat(listing, names[i]);
    strcat(listing, i + 1 < count ? "," : "");
  }
  CHECK("readdir", dp != NULL && strcmp(listing, "sub,x,y") == 0, "listing '%s'", listing);
  printf("INFO readdir . %s, .. %s\n", saw_dot ? "listed" : "not listed",
         saw_dotdot ? "listed" : "not listed");
  for (int i = 0; i < count; ++i) free(names[i]);

  // d_type of entries.
  dp = opendir(P("d"));
  int types_ok = dp != NULL;
  if (dp != NULL) {
    struct dirent* e;
    while ((e = readdir(dp)) != NULL) {
      if (strcmp(e->d_name, "x") == 0 && e->d_type != DT_REG) types_ok = 0;
      if (strcmp(e->d_name, "sub") == 0 && e->d_type != DT_DIR) types_ok = 0;
    }
    closedir(dp);
  }
  CHECK("readdir d_type", types_ok, "wrong d_type");

  // Many entries: fd_readdir must continue from its cookie across calls.
  CHECK("mkdir many", mkdir(P("many"), 0755) == 0, "mkdir");
  int made = 0;
  for (int i = 0; i < 300; ++i) {
    char rel[64];
    snprintf(rel, sizeof rel, "many/file_with_a_longish_name_%03d", i);
    int fd = open(P(rel), O_WRONLY | O_CREAT, 0644);
    if (fd >= 0) {
      close(fd);
      ++made;
    }
  }
  int seen = 0, dupes = 0;
  static char seen_mark[300];
  memset(seen_mark, 0, sizeof seen_mark);
  dp = opendir(P("many"));
  if (dp != NULL) {
    struct dirent* e;
    while ((e = readdir(dp)) != NULL) {
      int idx;
      if (sscanf(e->d_name, "file_with_a_longish_name_%d", &idx) == 1 && idx >= 0 && idx < 300) {
        if (seen_mark[idx]) ++dupes;
        seen_mark[idx] = 1;
        ++seen;
      }
    }
    closedir(dp);
  }
  CHECK("readdir 300 entries", made == 300 && seen == 300 && dupes == 0, "made %d seen %d dupes %d",
        made, seen, dupes);
  // rewinddir / seekdir support: read again after rewind.
  dp = opendir(P("many"));
  int again = 0;
  if (dp != NULL) {
    while (readdir(dp) != NULL) {
    }
    rewinddir(dp);
    struct dirent* e;
    while ((e = readdir(dp)) != NULL) again += strncmp(e->d_name, "file_", 5) == 0;
    closedir(dp);
  }
  CHECK("rewinddir", again == 300, "second pass saw %d", again);
  int removed = 0;
  for (int i = 0; i < 300; ++i) {
    char rel[64];
    snprintf(rel, sizeof rel, "many/file_with_a_longish_name_%03d", i);
    removed += unlink(P(rel)) == 0;
  }
  CHECK("unlink many", removed == 300 && rmdir(P("many")) == 0, "removed %d", removed);

  // rename: file, over an existing file, and a directory.
  CHECK("rename file", rename(P("d/x"), P("d/z")) == 0, "rename");
  CHECK("old name gone", stat(P("d/x"), &st) != 0 && errno == ENOENT, "stat d/x");
  char buf[32];
  ssize_t n = read_file(P("d/z"), buf, sizeof buf);
  CHECK("new name has the content", n == 2 && strcmp(buf, "x\n") == 0, "read %zd", n);
  CHECK("rename over existing", rename(P("d/z"), P("d/y")) == 0 && read_file(P("d/y"), buf, sizeof buf) == 2,
        "rename");
  CHECK("rename dir", rename(P("d/sub"), P("d/sub2")) == 0 && stat(P("d/sub2"), &st) == 0 &&
                          S_ISDIR(st.st_mode),
        "rename");

  // unlink and rmdir.
  CHECK("unlink dir fails", unlink(P("d/sub2")) != 0, "unlink of a directory succeeded");
  CHECK("rmdir non-empty fails", rmdir(P("d")) != 0 && errno == ENOTEMPTY, "rmdir");
  CHECK("rmdir", rmdir(P("d/sub2")) == 0, "rmdir d/sub2");
  CHECK("unlink", unlink(P("d/y")) == 0 && stat(P("d/y"), &st) != 0 && errno == ENOENT, "unlink");
  CHECK("unlink missing", unlink(P("d/y")) != 0 && errno == ENOENT, "unlink");
  CHECK("rmdir empty", rmdir(P("d")) == 0 && stat(P("d"), &st) != 0, "rmdir d");
}

static void check_links_and_times(void) {
  struct stat st, lst;
  CHECK("symlink", symlink("a.txt", P("link")) == 0, "symlink");
  char target[64] = "";
  ssize_t n = readlink(P("link"), target, sizeof target - 1);
  if (n >= 0) target[n] = '\0';
  CHECK("readlink", n == 5 && strcmp(target, "a.txt") == 0, "readlink -> %zd '%s'", n, target);
  CHECK("lstat symlink", lstat(P("link"), &lst) == 0 && S_ISLNK(lst.st_mode), "lstat");
  CHECK("stat follows symlink", stat(P("link"), &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 14,
        "stat size %lld", (long long)st.st_size);
  char buf[64];
  n = read_file(P("link"), buf, sizeof buf);
  CHECK("open through symlink", n == 14 && strncmp(buf, "HELL\n", 5) == 0, "read %zd", n);
  CHECK("readlink of a regular file fails", readlink(P("a.txt"), target, sizeof target) < 0,
        "readlink succeeded");
  CHECK("unlink symlink", unlink(P("link")) == 0 && stat(P("a.txt"), &st) == 0, "unlink");

  // A symlink to a subdirectory inside the sandbox works.
  int ok_dirlink = mkdir(P("real"), 0755) == 0 && write_file(P("real/f"), "f\n") == 0 &&
                   symlink("real", P("dirlink")) == 0 && read_file(P("dirlink/f"), buf, sizeof buf) == 2;
  CHECK("symlink to an inner directory", ok_dirlink, "dirlink/f");
  unlink(P("dirlink"));
  unlink(P("real/f"));
  rmdir(P("real"));

  // Hard link.
  int hl = link(P("a.txt"), P("hard")) == 0;
  struct stat a, h;
  hl = hl && stat(P("a.txt"), &a) == 0 && stat(P("hard"), &h) == 0 && a.st_ino == h.st_ino &&
       h.st_nlink == 2;
  CHECK("hard link", hl, "link");
  unlink(P("hard"));

  // Timestamps: utimes on a path, futimens on an fd.
  struct timeval tv[2] = {{1000000000, 0}, {1234567890, 500000}};
  int rc = utimes(P("a.txt"), tv);
  stat(P("a.txt"), &st);
  CHECK("utimes", rc == 0 && st.st_mtim.tv_sec == 1234567890 && st.st_atim.tv_sec == 1000000000 &&
                      st.st_mtim.tv_nsec == 500000000,
        "rc %d mtime %lld.%09ld atime %lld", rc, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
        (long long)st.st_atim.tv_sec);
  int fd = open(P("a.txt"), O_RDWR);
  struct timespec ts[2] = {{0, UTIME_OMIT}, {1300000000, 0}};
  rc = fd >= 0 ? futimens(fd, ts) : -1;
  fstat(fd, &st);
  CHECK("futimens", rc == 0 && st.st_mtim.tv_sec == 1300000000 && st.st_atim.tv_sec == 1000000000,
        "rc %d mtime %lld atime %lld", rc, (long long)st.st_mtim.tv_sec, (long long)st.st_atim.tv_sec);
  if (fd >= 0) close(fd);
  // "Now" through the WASI call itself: this wasi-libc's utimensat mishandles UTIME_NOW
  // (sys/stat.h and __header_sys_stat.h disagree on its value) and times == NULL.
  fd = open(P("a.txt"), O_RDWR);
  __wasi_errno_t we = fd >= 0 ? __wasi_fd_filestat_set_times(
                                    (__wasi_fd_t)fd, 0, 0, __WASI_FSTFLAGS_ATIM_NOW | __WASI_FSTFLAGS_MTIM_NOW)
                              : __WASI_ERRNO_BADF;
  fstat(fd, &st);
  CHECK("fd_filestat_set_times now", we == 0 && st.st_mtim.tv_sec > 1600000000 &&
                                         st.st_atim.tv_sec > 1600000000,
        "error %d mtime %lld", we, (long long)st.st_mtim.tv_sec);
  if (fd >= 0) close(fd);
}

static int list_preopens(void) {
  for (__wasi_fd_t fd = 3; fd < 64; ++fd) {
    __wasi_prestat_t ps;
    if (__wasi_fd_prestat_get(fd, &ps) != 0) break;
    char name[512];
    size_t len = ps.u.dir.pr_name_len < sizeof name - 1 ? ps.u.dir.pr_name_len : sizeof name - 1;
    if (__wasi_fd_prestat_dir_name(fd, (uint8_t*)name, len) != 0) return 1;
    name[len] = '\0';
    printf("preopen %u %s\n", (unsigned)fd, name);
  }
  return 0;
}

// Checks that `call` failed with EROFS.
#define EXPECT_EROFS(name, call) CHECK(name, (call) < 0 && errno == EROFS, "not refused with EROFS")

static int check_read_only(const char* other) {
  char buf[64];
  ssize_t n = read_file(P("from_host.txt"), buf, sizeof buf);
  CHECK("read a file", n == 14 && memcmp(buf, "from the host\n", 14) == 0, "read %zd bytes", n);
  DIR* d = opendir(dir);
  CHECK("list the directory", d != NULL, "opendir");
  if (d) closedir(d);
  EXPECT_EROFS("open for writing", open(P("from_host.txt"), O_WRONLY));
  EXPECT_EROFS("open for reading and writing", open(P("from_host.txt"), O_RDWR));
  EXPECT_EROFS("open with O_TRUNC", open(P("from_host.txt"), O_RDONLY | O_TRUNC));
  EXPECT_EROFS("create a file", open(P("new.txt"), O_WRONLY | O_CREAT, 0644));
  EXPECT_EROFS("mkdir", mkdir(P("newdir"), 0755));
  EXPECT_EROFS("rmdir", rmdir(P("sub")));
  EXPECT_EROFS("unlink", unlink(P("from_host.txt")));
  EXPECT_EROFS("rename inside", rename(P("from_host.txt"), P("renamed.txt")));
  char out[512];
  snprintf(out, sizeof out, "%s/moved.txt", other);
  EXPECT_EROFS("rename out to a writable directory", rename(P("from_host.txt"), out));
  snprintf(out, sizeof out, "%s/linked.txt", other);
  EXPECT_EROFS("hard link into a writable directory", link(P("from_host.txt"), out));
  EXPECT_EROFS("symlink", symlink("from_host.txt", P("sym")));
  struct timeval tv[2] = {{1, 0}, {1, 0}};
  EXPECT_EROFS("set times", utimes(P("from_host.txt"), tv));
  int fd = open(P("sub"), O_RDONLY | O_DIRECTORY);
  CHECK("open a subdirectory", fd >= 0, "open sub");
  if (fd >= 0) {
    EXPECT_EROFS("create through a subdirectory fd", openat(fd, "x.txt", O_WRONLY | O_CREAT, 0644));
    close(fd);
  }
  // The writable one still works.
  snprintf(out, sizeof out, "%s/w.txt", other);
  CHECK("the other directory stays writable", write_file(out, "w\n") == 0, "write");
  unlink(out);
  puts("DONE");
  return failures == 0 ? 0 : 1;
}

int main(int argc, char** argv) {
  if (argc == 2 && strcmp(argv[1], "preopens") == 0) return list_preopens();
  if (argc == 4 && strcmp(argv[1], "readonly") == 0) {
    dir = argv[2];
    return check_read_only(argv[3]);
  }
  if (argc == 3 && strcmp(argv[1], "cat") == 0) {
    FILE* f = fopen(argv[2], "r");
    if (f == NULL) {
      printf("cannot open %s: errno %d\n", argv[2], errno);
      return 1;
    }
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) fwrite(buf, 1, n, stdout);
    fclose(f);
    return 0;
  }
  if (argc != 3 || strcmp(argv[1], "ops") != 0) {
    fprintf(stderr, "usage: files ops DIR | preopens | cat PATH\n");
    return 64;
  }
  dir = argv[2];
  check_basic_io();
  check_big_file();
  check_dirs();
  check_links_and_times();
  puts("DONE");
  return failures == 0 ? 0 : 1;
}
