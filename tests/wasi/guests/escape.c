// SPDX-License-Identifier: MIT
// Tries to get out of a preopened directory in every way we know, through wasi-libc and
// through the raw WASI calls (so that libc's own path checks cannot hide a hole in the host).
//
//   escape DIR NAME
//
// DIR is the guest path of a --dir whose host directory BOX the test prepared:
//   BOX/inside.txt              "inside\n"
//   BOX/sub/                    a directory
//   BOX/sub/deep_link  -> ../../outside.txt
//   BOX/etc_link       -> /etc
//   BOX/up_link        -> ../outside.txt
//   BOX/updir_link     -> ..
//   BOX/abs_link       -> HOST_PATH_OF/outside.txt   (absolute host path)
// and next to BOX: outside.txt ("outside\n"), outside_dir/ and outside_link (a symlink).
// NAME is a file name the guest tries to create in /etc and next to BOX (and NAME-dir in
// /tmp).
//
// Prints "REFUSED what (errno N)" or "ESCAPED what" per attempt, and "ALLOWED what" or
// "BROKEN what (errno N)" for accesses that stay inside and must keep working. Exits 0 only
// if every escape was refused and every inside access worked (1: an escape, 2: broken).
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <wasi/api.h>

static const char* dir;
static const char* name;
static __wasi_fd_t pre = (__wasi_fd_t)-1;
static __wasi_rights_t rights_base, rights_inheriting;
static int escaped, broken;

static const char* P(const char* rel) {
  static char bufs[4][512];
  static int next;
  char* b = bufs[next++ % 4];
  snprintf(b, sizeof bufs[0], "%s/%s", dir, rel);
  return b;
}

// Records an attempt that must fail: `succeeded` says whether it did not.
static void refused(const char* what, int succeeded, int err) {
  if (succeeded) {
    printf("ESCAPED %s\n", what);
    ++escaped;
  } else {
    printf("REFUSED %s (errno %d)\n", what, err);
  }
}

// Records an access inside the sandbox that must work.
static void allowed(const char* what, int succeeded, int err) {
  if (succeeded) {
    printf("ALLOWED %s\n", what);
  } else {
    printf("BROKEN %s (errno %d)\n", what, err);
    ++broken;
  }
}

// ---- through wasi-libc ----------------------------------------------------------------------

static void libc_open(const char* what, const char* path, int flags) {
  errno = 0;
  int fd = open(path, flags, 0644);
  refused(what, fd >= 0, errno);
  if (fd >= 0) close(fd);
}

static void libc_opendir(const char* what, const char* path) {
  errno = 0;
  DIR* d = opendir(path);
  int listed = 0;
  if (d != NULL) {
    while (readdir(d) != NULL) ++listed;
    closedir(d);
  }
  refused(what, d != NULL, errno);
}

static void via_libc(void) {
  char path[512];
  libc_open("libc open ../outside.txt", P("../outside.txt"), O_RDONLY);
  libc_open("libc open sub/../../outside.txt", P("sub/../../outside.txt"), O_RDONLY);
  libc_open("libc open /etc/passwd", "/etc/passwd", O_RDONLY);
  libc_open("libc open etc_link/passwd", P("etc_link/passwd"), O_RDONLY);
  libc_open("libc open up_link", P("up_link"), O_RDONLY);
  libc_open("libc open up_link for writing", P("up_link"), O_WRONLY | O_TRUNC);
  libc_open("libc open updir_link/outside.txt", P("updir_link/outside.txt"), O_RDONLY);
  libc_open("libc open sub/deep_link", P("sub/deep_link"), O_RDONLY);
  libc_open("libc open abs_link", P("abs_link"), O_RDONLY);
  snprintf(path, sizeof path, "../%s", name);
  libc_open("libc create ../NAME", P(path), O_WRONLY | O_CREAT | O_EXCL);
  snprintf(path, sizeof path, "etc_link/%s", name);
  libc_open("libc create etc_link/NAME", P(path), O_WRONLY | O_CREAT | O_EXCL);
  snprintf(path, sizeof path, "updir_link/%s", name);
  libc_open("libc create updir_link/NAME", P(path), O_WRONLY | O_CREAT | O_EXCL);

  libc_opendir("libc opendir ..", P(".."));
  libc_opendir("libc opendir etc_link", P("etc_link"));
  libc_opendir("libc opendir updir_link", P("updir_link"));
  libc_opendir("libc opendir /", "/");

  struct stat st;
  errno = 0;
  refused("libc stat ../outside.txt", stat(P("../outside.txt"), &st) == 0, errno);
  errno = 0;
  refused("libc stat etc_link/passwd", stat(P("etc_link/passwd"), &st) == 0, errno);
  errno = 0;
  refused("libc rename inside.txt -> ../moved.txt", rename(P("inside.txt"), P("../moved.txt")) == 0,
          errno);
  errno = 0;
  refused("libc rename inside.txt -> updir_link/moved.txt",
          rename(P("inside.txt"), P("updir_link/moved.txt")) == 0, errno);
  errno = 0;
  refused("libc rename ../outside.txt -> stolen.txt", rename(P("../outside.txt"), P("stolen.txt")) == 0,
          errno);
  errno = 0;
  refused("libc mkdir ../newdir", mkdir(P("../newdir"), 0755) == 0, errno);
  errno = 0;
  refused("libc unlink ../outside.txt", unlink(P("../outside.txt")) == 0, errno);
  errno = 0;
  refused("libc unlink updir_link/outside.txt", unlink(P("updir_link/outside.txt")) == 0, errno);
  errno = 0;
  refused("libc rmdir ../outside_dir", rmdir(P("../outside_dir")) == 0, errno);
  errno = 0;
  refused("libc link ../outside.txt -> hard_out", link(P("../outside.txt"), P("hard_out")) == 0, errno);
  struct timeval tv[2] = {{1, 0}, {1, 0}};
  errno = 0;
  refused("libc utimes ../outside.txt", utimes(P("../outside.txt"), tv) == 0, errno);

  // Symlinks the guest makes itself: creating them may be allowed, following them out not.
  int made = symlink("/etc/passwd", P("my_abs_link")) == 0;
  printf("INFO symlink to /etc/passwd %s\n", made ? "created" : "refused");
  libc_open("libc open self-made link to /etc/passwd", P("my_abs_link"), O_RDONLY);
  made = symlink("../outside.txt", P("my_up_link")) == 0;
  printf("INFO symlink to ../outside.txt %s\n", made ? "created" : "refused");
  libc_open("libc open self-made link to ../outside.txt", P("my_up_link"), O_RDONLY);
  libc_open("libc write self-made link to ../outside.txt", P("my_up_link"), O_WRONLY | O_TRUNC);
  unlink(P("my_abs_link"));
  unlink(P("my_up_link"));

  // Inside stays usable.
  errno = 0;
  int fd = open(P("inside.txt"), O_RDONLY);
  allowed("libc open inside.txt", fd >= 0, errno);
  if (fd >= 0) close(fd);
  errno = 0;
  fd = open(P("sub/../inside.txt"), O_RDONLY);
  allowed("libc open sub/../inside.txt", fd >= 0, errno);
  if (fd >= 0) close(fd);
}

// ---- raw WASI calls on the preopened fd -----------------------------------------------------

static void raw_open(const char* what, __wasi_fd_t base, const char* path, __wasi_lookupflags_t lf,
                     __wasi_oflags_t of, int must_work) {
  __wasi_fd_t fd;
  __wasi_rights_t rb = rights_inheriting;
  __wasi_errno_t e = __wasi_path_open(base, lf, path, of, rb, rights_inheriting, 0, &fd);
  if (must_work) {
    allowed(what, e == 0, e);
  } else {
    refused(what, e == 0, e);
  }
  if (e == 0) (void)__wasi_fd_close(fd);
}

static void via_raw_wasi(void) {
  const __wasi_lookupflags_t follow = __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW;
  raw_open("raw open ../outside.txt", pre, "../outside.txt", follow, 0, 0);
  raw_open("raw open sub/../../outside.txt", pre, "sub/../../outside.txt", follow, 0, 0);
  raw_open("raw open /etc/passwd", pre, "/etc/passwd", follow, 0, 0);
  raw_open("raw open /", pre, "/", follow, __WASI_OFLAGS_DIRECTORY, 0);
  raw_open("raw open ..", pre, "..", follow, __WASI_OFLAGS_DIRECTORY, 0);
  raw_open("raw open etc_link/passwd (nofollow)", pre, "etc_link/passwd", 0, 0, 0);
  raw_open("raw open etc_link/passwd", pre, "etc_link/passwd", follow, 0, 0);
  raw_open("raw open etc_link", pre, "etc_link", follow, __WASI_OFLAGS_DIRECTORY, 0);
  raw_open("raw open up_link", pre, "up_link", follow, 0, 0);
  raw_open("raw open updir_link/outside.txt", pre, "updir_link/outside.txt", follow, 0, 0);
  raw_open("raw open sub/deep_link", pre, "sub/deep_link", follow, 0, 0);
  raw_open("raw open abs_link", pre, "abs_link", follow, 0, 0);
  char path[512];
  snprintf(path, sizeof path, "etc_link/%s", name);
  raw_open("raw create etc_link/NAME", pre, path, follow, __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, 0);
  snprintf(path, sizeof path, "../%s", name);
  raw_open("raw create ../NAME", pre, path, 0, __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, 0);
  raw_open("raw open inside.txt", pre, "inside.txt", follow, 0, 1);
  raw_open("raw open ./sub/../inside.txt", pre, "./sub/../inside.txt", follow, 0, 1);

  __wasi_filestat_t st;
  __wasi_errno_t e = __wasi_path_filestat_get(pre, follow, "../outside.txt", &st);
  refused("raw filestat ../outside.txt", e == 0, e);
  e = __wasi_path_filestat_get(pre, follow, "/etc/passwd", &st);
  refused("raw filestat /etc/passwd", e == 0, e);
  e = __wasi_path_filestat_get(pre, follow, "etc_link/passwd", &st);
  refused("raw filestat etc_link/passwd", e == 0, e);
  e = __wasi_path_filestat_get(pre, follow, "up_link", &st);
  refused("raw filestat up_link (follow)", e == 0, e);
  e = __wasi_path_filestat_set_times(pre, follow, "up_link", 1, 1,
                                     __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM);
  refused("raw set_times up_link (follow)", e == 0, e);
  e = __wasi_path_rename(pre, "inside.txt", pre, "../moved.txt");
  refused("raw rename inside.txt -> ../moved.txt", e == 0, e);
  e = __wasi_path_rename(pre, "../outside.txt", pre, "stolen.txt");
  refused("raw rename ../outside.txt -> stolen.txt", e == 0, e);
  e = __wasi_path_create_directory(pre, "../newdir2");
  refused("raw mkdir ../newdir2", e == 0, e);
  snprintf(path, sizeof path, "/tmp/%s-dir", name);
  e = __wasi_path_create_directory(pre, path);
  refused("raw mkdir /tmp/NAME-dir", e == 0, e);
  e = __wasi_path_unlink_file(pre, "../outside.txt");
  refused("raw unlink ../outside.txt", e == 0, e);
  e = __wasi_path_unlink_file(pre, "updir_link/outside.txt");
  refused("raw unlink updir_link/outside.txt", e == 0, e);
  e = __wasi_path_remove_directory(pre, "../outside_dir");
  refused("raw rmdir ../outside_dir", e == 0, e);
  e = __wasi_path_link(pre, 0, "../outside.txt", pre, "hard_out2");
  refused("raw link ../outside.txt -> hard_out2", e == 0, e);
  e = __wasi_path_link(pre, follow, "up_link", pre, "hard_out3");
  refused("raw link up_link (follow) -> hard_out3", e == 0, e);
  e = __wasi_path_link(pre, 0, "inside.txt", pre, "../hard_in");
  refused("raw link inside.txt -> ../hard_in", e == 0, e);
  e = __wasi_path_symlink("inside.txt", pre, "../sym_out");
  refused("raw symlink at ../sym_out", e == 0, e);
  char buf[256];
  __wasi_size_t n = 0;
  e = __wasi_path_readlink(pre, "../outside_link", (uint8_t*)buf, sizeof buf, &n);
  refused("raw readlink ../outside_link", e == 0, e);

  // Relative to a directory opened inside the sandbox.
  __wasi_fd_t subfd;
  e = __wasi_path_open(pre, follow, "sub", __WASI_OFLAGS_DIRECTORY, rights_base, rights_inheriting, 0, &subfd);
  allowed("raw open sub/", e == 0, e);
  if (e == 0) {
    raw_open("raw open (sub fd) ../../outside.txt", subfd, "../../outside.txt", follow, 0, 0);
    raw_open("raw open (sub fd) ..", subfd, "..", follow, __WASI_OFLAGS_DIRECTORY, 0);
    raw_open("raw open (sub fd) deep_link", subfd, "deep_link", follow, 0, 0);
    raw_open("raw open (sub fd) /etc/passwd", subfd, "/etc/passwd", follow, 0, 0);
    (void)__wasi_fd_close(subfd);
  }
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: escape DIR NAME\n");
    return 64;
  }
  dir = argv[1];
  name = argv[2];
  for (__wasi_fd_t fd = 3; fd < 64; ++fd) {
    __wasi_prestat_t ps;
    if (__wasi_fd_prestat_get(fd, &ps) != 0) break;
    char n[512];
    size_t len = ps.u.dir.pr_name_len < sizeof n - 1 ? ps.u.dir.pr_name_len : sizeof n - 1;
    if (__wasi_fd_prestat_dir_name(fd, (uint8_t*)n, len) != 0) continue;
    n[len] = '\0';
    if (strcmp(n, dir) == 0) pre = fd;
  }
  if (pre == (__wasi_fd_t)-1) {
    printf("BROKEN no preopen named %s\n", dir);
    return 2;
  }
  __wasi_fdstat_t fs;
  if (__wasi_fd_fdstat_get(pre, &fs) != 0) {
    printf("BROKEN fdstat of the preopen\n");
    return 2;
  }
  rights_base = fs.fs_rights_base;
  rights_inheriting = fs.fs_rights_inheriting;

  via_libc();
  via_raw_wasi();
  printf("SUMMARY escaped %d broken %d\n", escaped, broken);
  if (escaped) return 1;
  return broken ? 2 : 0;
}
