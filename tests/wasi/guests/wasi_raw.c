// SPDX-License-Identifier: MIT
// Exercises WASI through the raw calls (no libc path handling in the way), printing "OK what"
// or "FAIL what: detail" per check and exiting 1 if any failed:
//
//   wasi_raw preview1 DIR      poll_oneoff, iovec limits, EFAULT, ELOOP, fd_advise,
//                              fd_allocate, fd_renumber, fd_fdstat_set_flags/_rights,
//                              rights, sched_yield, proc_raise, sock_*, path edge cases,
//                              non-blocking FIFO reads, what directory fds refuse. DIR (a preopen's guest name) must be
//                              an empty directory except for a FIFO named "fifo".
//   wasi_raw unstable DIR      the same module name's wasi_unstable layouts: poll_oneoff
//                              subscriptions (56 bytes), fd_seek whence, filestat.
//   wasi_raw cross DIR1 DIR2   rename and link from DIR1 to DIR2 (on different file
//                              systems) fail with EXDEV.
//   wasi_raw poll_stdin        prints "polling", waits in poll_oneoff for stdin to be
//                              readable, prints the event and what it then reads.
//   wasi_raw nonblock_stdin    makes stdin non-blocking and reads it: prints "read: EAGAIN"
//                              when nothing is there (and "append: ENOTSUP": stdin's
//                              append flag cannot change).
//   wasi_raw open_many DIR     opens DIR/f (made first) until an open fails: prints "opened N
//                              then errno E", then closes one fd in the middle and prints
//                              "reused=1" if the next open takes its number.
//   wasi_raw write_much DIR    writes DIR/big in 64 KiB pieces until a write fails (at most
//                              8 MiB): prints "wrote N then errno E", then the errnos of an
//                              fd_allocate and a growing fd_filestat_set_size of 1 MiB more.
//   wasi_raw stdio_split       checks with poll_oneoff that stdin and stdout are ready,
//                              copies stdin to stdout as "out: DATA" and writes
//                              "err: N bytes" to stderr.
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

#define IMPORT(mod, name) __attribute__((import_module(mod), import_name(name)))

// Raw preview 1 calls that take guest pointers as plain numbers (to pass bad ones).
IMPORT("wasi_snapshot_preview1", "path_open")
int32_t raw_path_open(int32_t fd, int32_t dirflags, int32_t path, int32_t len, int32_t oflags, int64_t rights_base,
                      int64_t rights_inheriting, int32_t fdflags, int32_t out);
IMPORT("wasi_snapshot_preview1", "path_filestat_get")
int32_t raw_path_filestat_get(int32_t fd, int32_t flags, int32_t path, int32_t len, int32_t out);
IMPORT("wasi_snapshot_preview1", "proc_raise") int32_t raw_proc_raise(int32_t sig);
IMPORT("wasi_snapshot_preview1", "fd_read") int32_t raw_fd_read(int32_t fd, int32_t iovs, int32_t n, int32_t out);
IMPORT("wasi_snapshot_preview1", "fd_seek")
int32_t raw_fd_seek(int32_t fd, int64_t off, int32_t whence, int32_t out);

// wasi_unstable (preview 0).
IMPORT("wasi_unstable", "poll_oneoff") int32_t u_poll_oneoff(int32_t in, int32_t out, int32_t n, int32_t nevents);
IMPORT("wasi_unstable", "fd_seek") int32_t u_fd_seek(int32_t fd, int64_t off, int32_t whence, int32_t out);
IMPORT("wasi_unstable", "fd_filestat_get") int32_t u_fd_filestat_get(int32_t fd, int32_t out);
IMPORT("wasi_unstable", "path_filestat_get")
int32_t u_path_filestat_get(int32_t fd, int32_t flags, int32_t path, int32_t len, int32_t out);

// wasi_unstable's subscription: the clock case begins with a u64 identifier.
typedef struct {
  uint64_t userdata;
  uint8_t type;
  union {
    struct {
      uint64_t identifier;
      uint32_t clock_id;
      uint64_t timeout;
      uint64_t precision;
      uint16_t flags;
    } clock;
    struct {
      uint32_t fd;
    } fd;
  } u;
} unstable_subscription_t;
_Static_assert(sizeof(unstable_subscription_t) == 56, "wasi_unstable subscription size");
_Static_assert(offsetof(unstable_subscription_t, u) == 16, "union offset");
_Static_assert(offsetof(unstable_subscription_t, u.clock.clock_id) == 24, "clock id offset");
_Static_assert(offsetof(unstable_subscription_t, u.clock.timeout) == 32, "timeout offset");
_Static_assert(offsetof(unstable_subscription_t, u.clock.flags) == 48, "flags offset");

static const uint32_t kBad = 0xFFFFFFF0u;  // beyond any memory this guest has
static const __wasi_rights_t kAll = ~(__wasi_rights_t)0;
static int failures;

__attribute__((format(printf, 3, 4))) static void check(const char* what, int ok, const char* fmt, ...) {
  if (ok) {
    printf("OK %s\n", what);
    return;
  }
  char detail[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, sizeof detail, fmt, ap);
  va_end(ap);
  printf("FAIL %s: %s\n", what, detail);
  ++failures;
}

#define EXPECT_ERR(what, call, want)                                    \
  do {                                                                  \
    int e_ = (int)(call);                                               \
    check(what, e_ == (int)(want), "errno %d, expected %d", e_, (int)(want)); \
  } while (0)

static __wasi_fd_t find_preopen(const char* name) {
  for (__wasi_fd_t fd = 3; fd < 64; ++fd) {
    __wasi_prestat_t ps;
    if (__wasi_fd_prestat_get(fd, &ps) != 0) break;
    char buf[256];
    if (ps.u.dir.pr_name_len >= sizeof buf) continue;
    if (__wasi_fd_prestat_dir_name(fd, (uint8_t*)buf, ps.u.dir.pr_name_len) != 0) continue;
    buf[ps.u.dir.pr_name_len] = '\0';
    if (strcmp(buf, name) == 0) return fd;
  }
  printf("FAIL no preopen named %s\n", name);
  ++failures;
  return (__wasi_fd_t)-1;
}

static uint64_t now_ns(__wasi_clockid_t clock) {
  __wasi_timestamp_t t = 0;
  if (__wasi_clock_time_get(clock, 1, &t) != 0) return 0;
  return t;
}

static int open_at(__wasi_fd_t dir, const char* path, __wasi_oflags_t oflags, __wasi_rights_t rights,
                   __wasi_fdflags_t fdflags, __wasi_fd_t* out) {
  return __wasi_path_open(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, path, oflags, rights, kAll, fdflags, out);
}

static int write_all(__wasi_fd_t fd, const char* text) {
  __wasi_ciovec_t iov = {(const uint8_t*)text, strlen(text)};
  __wasi_size_t n = 0;
  return __wasi_fd_write(fd, &iov, 1, &n);
}

static int make_file(__wasi_fd_t dir, const char* path, const char* text) {
  __wasi_fd_t fd;
  int e = open_at(dir, path, __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, kAll, 0, &fd);
  if (e != 0) return e;
  e = write_all(fd, text);
  (void)__wasi_fd_close(fd);
  return e;
}

static uint64_t file_size(__wasi_fd_t fd) {
  __wasi_filestat_t st;
  return __wasi_fd_filestat_get(fd, &st) == 0 ? st.size : (uint64_t)-1;
}

static __wasi_subscription_t clock_sub(uint64_t userdata, __wasi_clockid_t id, uint64_t timeout, int absolute) {
  __wasi_subscription_t s;
  memset(&s, 0, sizeof s);
  s.userdata = userdata;
  s.u.tag = __WASI_EVENTTYPE_CLOCK;
  s.u.u.clock.id = id;
  s.u.u.clock.timeout = timeout;
  s.u.u.clock.flags = absolute ? __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME : 0;
  return s;
}

static __wasi_subscription_t fd_sub(uint64_t userdata, __wasi_eventtype_t type, __wasi_fd_t fd) {
  __wasi_subscription_t s;
  memset(&s, 0, sizeof s);
  s.userdata = userdata;
  s.u.tag = type;
  s.u.u.fd_read.file_descriptor = fd;
  return s;
}

// ---- preview1 ------------------------------------------------------------------------------

static void check_poll(__wasi_fd_t dir) {
  __wasi_fd_t f;
  if (make_file(dir, "poll.txt", "hello") != 0 || open_at(dir, "poll.txt", 0, kAll, 0, &f) != 0) {
    check("poll setup", 0, "cannot make poll.txt");
    return;
  }
  __wasi_event_t ev[4];
  __wasi_size_t n = 0;
  __wasi_subscription_t fds[2] = {fd_sub(11, __WASI_EVENTTYPE_FD_READ, f), fd_sub(12, __WASI_EVENTTYPE_FD_WRITE, 1)};
  int e = __wasi_poll_oneoff(fds, ev, 2, &n);
  int ok = e == 0 && n == 2;
  for (__wasi_size_t i = 0; ok && i < n; ++i) {
    if (ev[i].error != 0) ok = 0;
    if (ev[i].userdata == 11 && (ev[i].type != __WASI_EVENTTYPE_FD_READ || ev[i].fd_readwrite.nbytes != 5)) ok = 0;
    if (ev[i].userdata == 12 && ev[i].type != __WASI_EVENTTYPE_FD_WRITE) ok = 0;
  }
  check("poll fd_read on a file and fd_write on stdout are ready", ok, "errno %d, %lu events", e, n);

  __wasi_subscription_t bad[2] = {clock_sub(1, __WASI_CLOCKID_MONOTONIC, 10000000000ull, 0),
                                  fd_sub(2, __WASI_EVENTTYPE_FD_READ, 999)};
  e = __wasi_poll_oneoff(bad, ev, 2, &n);
  check("poll on a closed fd reports EBADF at once", e == 0 && n == 1 && ev[0].userdata == 2 &&
                                                        ev[0].error == __WASI_ERRNO_BADF,
        "errno %d, %lu events, error %d", e, n, n ? ev[0].error : -1);

  __wasi_subscription_t badclock = clock_sub(3, 9, 0, 0);
  e = __wasi_poll_oneoff(&badclock, ev, 1, &n);
  check("poll on clock 9 reports EINVAL", e == 0 && n == 1 && ev[0].error == __WASI_ERRNO_INVAL, "errno %d", e);
  EXPECT_ERR("poll with no subscriptions", __wasi_poll_oneoff(fds, ev, 0, &n), __WASI_ERRNO_INVAL);

  // An absolute deadline on the process CPU-time clock is on that clock, not the monotonic one.
  uint64_t start = now_ns(__WASI_CLOCKID_MONOTONIC);
  __wasi_subscription_t cpu =
      clock_sub(4, __WASI_CLOCKID_PROCESS_CPUTIME_ID, now_ns(__WASI_CLOCKID_PROCESS_CPUTIME_ID) + 60000000ull, 1);
  e = __wasi_poll_oneoff(&cpu, ev, 1, &n);
  uint64_t took = now_ns(__WASI_CLOCKID_MONOTONIC) - start;
  check("poll absolute deadline on the process CPU clock", e == 0 && n == 1 && took >= 50000000ull &&
                                                               took < 5000000000ull,
        "errno %d, waited %llu ms", e, (unsigned long long)(took / 1000000));

  // A deadline too far away to add to anything never fires (no overflow into the past).
  start = now_ns(__WASI_CLOCKID_MONOTONIC);
  __wasi_subscription_t far[3] = {clock_sub(5, __WASI_CLOCKID_MONOTONIC, UINT64_MAX, 1),
                                  clock_sub(6, __WASI_CLOCKID_REALTIME, UINT64_MAX, 0),
                                  clock_sub(7, __WASI_CLOCKID_MONOTONIC, 30000000ull, 0)};
  e = __wasi_poll_oneoff(far, ev, 3, &n);
  took = now_ns(__WASI_CLOCKID_MONOTONIC) - start;
  check("poll huge absolute and relative timeouts do not fire", e == 0 && n == 1 && ev[0].userdata == 7 &&
                                                                    took >= 25000000ull,
        "errno %d, %lu events, first userdata %llu, waited %llu ms", e, n,
        n ? (unsigned long long)ev[0].userdata : 0ull, (unsigned long long)(took / 1000000));
  (void)__wasi_fd_close(f);
}

static void check_iovecs_and_faults(__wasi_fd_t dir) {
  __wasi_fd_t f;
  if (open_at(dir, "iov.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, kAll, 0, &f) != 0) {
    check("iovec setup", 0, "cannot open iov.txt");
    return;
  }
  static __wasi_ciovec_t iov[1025];
  static const uint8_t byte = 'x';
  for (int i = 0; i < 1025; ++i) iov[i] = (__wasi_ciovec_t){&byte, 1};
  __wasi_size_t n = 0;
  int e = __wasi_fd_write(f, iov, 1024, &n);
  check("1024 iovecs", e == 0 && n == 1024, "errno %d, wrote %lu", e, n);
  EXPECT_ERR("1025 iovecs is EINVAL", __wasi_fd_write(f, iov, 1025, &n), __WASI_ERRNO_INVAL);

  EXPECT_ERR("EFAULT fd_write iovec array", __wasi_fd_write(1, (const __wasi_ciovec_t*)kBad, 1, &n),
             __WASI_ERRNO_FAULT);
  __wasi_ciovec_t wild = {(const uint8_t*)(kBad - 0x1000), 0x2000};
  EXPECT_ERR("EFAULT fd_write buffer", __wasi_fd_write(1, &wild, 1, &n), __WASI_ERRNO_FAULT);
  __wasi_iovec_t rwild = {(uint8_t*)(kBad - 0x1000), 0x2000};
  EXPECT_ERR("EFAULT fd_read buffer", __wasi_fd_read(f, &rwild, 1, &n), __WASI_ERRNO_FAULT);
  EXPECT_ERR("EFAULT fd_write result", __wasi_fd_write(f, iov, 1, (__wasi_size_t*)kBad), __WASI_ERRNO_FAULT);
  EXPECT_ERR("EFAULT path_open path", raw_path_open(dir, 0, (int32_t)kBad, 8, 0, -1, -1, 0, 0), __WASI_ERRNO_FAULT);
  static const char name[] = "iov.txt";
  EXPECT_ERR("EFAULT path_open result", raw_path_open(dir, 0, (int32_t)(uintptr_t)name, 7, 0, -1, -1, 0, (int32_t)kBad),
             __WASI_ERRNO_FAULT);
  // A bad result pointer fails the call before it does anything: no file is created, no data
  // is consumed, the position does not move.
  static const char fresh[] = "never_made.txt";
  EXPECT_ERR("EFAULT path_open result with O_CREAT",
             raw_path_open(dir, 0, (int32_t)(uintptr_t)fresh, 14, __WASI_OFLAGS_CREAT, -1, -1, 0, (int32_t)kBad),
             __WASI_ERRNO_FAULT);
  __wasi_filestat_t fst;
  EXPECT_ERR("... and created nothing", __wasi_path_filestat_get(dir, 0, fresh, &fst), __WASI_ERRNO_NOENT);
  __wasi_filesize_t pos = 99;
  int se = __wasi_fd_seek(f, 0, __WASI_WHENCE_SET, &pos);
  EXPECT_ERR("EFAULT fd_seek result", raw_fd_seek(f, 5, __WASI_WHENCE_SET, (int32_t)kBad), __WASI_ERRNO_FAULT);
  check("... and the position did not move", se == 0 && __wasi_fd_tell(f, &pos) == 0 && pos == 0, "pos %llu",
        (unsigned long long)pos);
  static uint8_t rbuf[4];
  static __wasi_iovec_t riov = {rbuf, 4};
  EXPECT_ERR("EFAULT fd_read result", raw_fd_read(f, (int32_t)(uintptr_t)&riov, 1, (int32_t)kBad), __WASI_ERRNO_FAULT);
  check("... and nothing was consumed", __wasi_fd_tell(f, &pos) == 0 && pos == 0, "pos %llu",
        (unsigned long long)pos);
  EXPECT_ERR("EFAULT path_filestat_get result",
             raw_path_filestat_get(dir, 0, (int32_t)(uintptr_t)name, 7, (int32_t)kBad), __WASI_ERRNO_FAULT);
  __wasi_size_t count;
  EXPECT_ERR("EFAULT args_sizes_get", __wasi_args_sizes_get((__wasi_size_t*)kBad, &count), __WASI_ERRNO_FAULT);
  EXPECT_ERR("EFAULT clock_time_get", __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, (__wasi_timestamp_t*)kBad),
             __WASI_ERRNO_FAULT);
  EXPECT_ERR("EFAULT random_get", __wasi_random_get((uint8_t*)kBad, 64), __WASI_ERRNO_FAULT);
  EXPECT_ERR("EFAULT fd_filestat_get", __wasi_fd_filestat_get(f, (__wasi_filestat_t*)kBad), __WASI_ERRNO_FAULT);
  EXPECT_ERR("EFAULT fd_prestat_dir_name", __wasi_fd_prestat_dir_name(dir, (uint8_t*)kBad, 4), __WASI_ERRNO_FAULT);
  __wasi_event_t ev;
  EXPECT_ERR("EFAULT poll_oneoff subscriptions",
             __wasi_poll_oneoff((const __wasi_subscription_t*)kBad, &ev, 1, &n), __WASI_ERRNO_FAULT);
  (void)__wasi_fd_close(f);
}

static void check_loops(__wasi_fd_t dir) {
  __wasi_fd_t f;
  int made = __wasi_path_symlink("loop", dir, "loop") == 0 && __wasi_path_symlink("ping", dir, "pong") == 0 &&
             __wasi_path_symlink("pong", dir, "ping") == 0;
  check("symlink loops made", made, "path_symlink failed");
  EXPECT_ERR("open a self-loop is ELOOP", open_at(dir, "loop", 0, kAll, 0, &f), __WASI_ERRNO_LOOP);
  EXPECT_ERR("open a two-link loop is ELOOP", open_at(dir, "ping", 0, kAll, 0, &f), __WASI_ERRNO_LOOP);
  __wasi_filestat_t st;
  EXPECT_ERR("stat through a loop is ELOOP",
             __wasi_path_filestat_get(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "ping/x", &st), __WASI_ERRNO_LOOP);
  int e = __wasi_path_filestat_get(dir, 0, "loop", &st);
  check("lstat of a loop link works", e == 0 && st.filetype == __WASI_FILETYPE_SYMBOLIC_LINK, "errno %d", e);
}

static void check_fd_calls(__wasi_fd_t dir) {
  __wasi_fd_t f, a, b;
  if (make_file(dir, "fd.txt", "0123456789") != 0 || open_at(dir, "fd.txt", 0, kAll, 0, &f) != 0) {
    check("fd setup", 0, "cannot make fd.txt");
    return;
  }
  int ok = 1;
  for (__wasi_advice_t adv = 0; adv <= 5; ++adv) ok = ok && __wasi_fd_advise(f, 0, 10, adv) == 0;
  check("fd_advise with every advice", ok, "one failed");
  EXPECT_ERR("fd_advise with advice 6", __wasi_fd_advise(f, 0, 10, 6), __WASI_ERRNO_INVAL);
  EXPECT_ERR("fd_advise on a closed fd", __wasi_fd_advise(999, 0, 10, 0), __WASI_ERRNO_BADF);

  int e = __wasi_fd_allocate(f, 0, 4096);
  check("fd_allocate grows the file", e == 0 && file_size(f) == 4096, "errno %d size %llu", e,
        (unsigned long long)file_size(f));
  e = __wasi_fd_allocate(f, 0, 16);
  check("fd_allocate never shrinks", e == 0 && file_size(f) == 4096, "errno %d", e);
  EXPECT_ERR("fd_allocate on a closed fd", __wasi_fd_allocate(999, 0, 1), __WASI_ERRNO_BADF);

  // fd_renumber: b becomes what a was; a is gone.
  if (make_file(dir, "one.txt", "one") != 0 || make_file(dir, "two.txt", "two") != 0 ||
      open_at(dir, "one.txt", 0, kAll, 0, &a) != 0 || open_at(dir, "two.txt", 0, kAll, 0, &b) != 0) {
    check("renumber setup", 0, "cannot make one.txt/two.txt");
  } else {
    e = __wasi_fd_renumber(a, b);
    char buf[8] = {0};
    __wasi_iovec_t iov = {(uint8_t*)buf, 3};
    __wasi_size_t n = 0;
    int re = __wasi_fd_pread(b, &iov, 1, 0, &n);
    check("fd_renumber moves the file", e == 0 && re == 0 && n == 3 && memcmp(buf, "one", 3) == 0,
          "errno %d/%d read '%s'", e, re, buf);
    EXPECT_ERR("fd_renumber closes the old number", __wasi_fd_close(a), __WASI_ERRNO_BADF);
    EXPECT_ERR("fd_renumber to a closed number", __wasi_fd_renumber(b, 4000), __WASI_ERRNO_BADF);
    EXPECT_ERR("fd_renumber from a closed number", __wasi_fd_renumber(4000, b), __WASI_ERRNO_BADF);
    (void)__wasi_fd_close(b);
  }

  // fd_fdstat_set_flags
  __wasi_fdstat_t fs;
  e = __wasi_fd_fdstat_set_flags(f, __WASI_FDFLAGS_APPEND);
  int ge = __wasi_fd_fdstat_get(f, &fs);
  check("set append", e == 0 && ge == 0 && (fs.fs_flags & __WASI_FDFLAGS_APPEND), "errno %d flags %#x", e,
        fs.fs_flags);
  __wasi_filesize_t pos;
  (void)__wasi_fd_seek(f, 0, __WASI_WHENCE_SET, &pos);
  e = write_all(f, "X");
  char last = 0;
  __wasi_iovec_t liov = {(uint8_t*)&last, 1};
  __wasi_size_t n = 0;
  (void)__wasi_fd_pread(f, &liov, 1, 4096, &n);
  check("append writes at the end", e == 0 && file_size(f) == 4097 && last == 'X', "size %llu last %d",
        (unsigned long long)file_size(f), last);
  e = __wasi_fd_fdstat_set_flags(f, __WASI_FDFLAGS_NONBLOCK);
  (void)__wasi_fd_fdstat_get(f, &fs);
  check("set nonblock (and clear append)", e == 0 && fs.fs_flags == __WASI_FDFLAGS_NONBLOCK, "errno %d flags %#x",
        e, fs.fs_flags);
  EXPECT_ERR("set unknown flags", __wasi_fd_fdstat_set_flags(f, 0x100), __WASI_ERRNO_INVAL);
  (void)__wasi_fd_fdstat_set_flags(f, 0);

  // fd_fdstat_set_rights: rights can only be dropped, and dropped rights are enforced.
  (void)__wasi_fd_fdstat_get(f, &fs);
  e = __wasi_fd_fdstat_set_rights(f, fs.fs_rights_base & ~__WASI_RIGHTS_FD_READ, fs.fs_rights_inheriting);
  (void)__wasi_fd_fdstat_get(f, &fs);
  check("drop fd_read", e == 0 && !(fs.fs_rights_base & __WASI_RIGHTS_FD_READ), "errno %d", e);
  char buf[4];
  __wasi_iovec_t riov = {(uint8_t*)buf, sizeof buf};
  EXPECT_ERR("read without fd_read", __wasi_fd_read(f, &riov, 1, &n), __WASI_ERRNO_NOTCAPABLE);
  EXPECT_ERR("rights cannot come back", __wasi_fd_fdstat_set_rights(f, kAll, kAll), __WASI_ERRNO_NOTCAPABLE);
  (void)__wasi_fd_close(f);

  // Rights beyond read and write are enforced too.
  __wasi_fd_t ro;
  if (open_at(dir, "fd.txt", 0, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_FILESTAT_GET, 0, &ro) == 0) {
    EXPECT_ERR("fd_filestat_set_size without the right", __wasi_fd_filestat_set_size(ro, 1), __WASI_ERRNO_NOTCAPABLE);
    EXPECT_ERR("fd_allocate without the right", __wasi_fd_allocate(ro, 0, 8192), __WASI_ERRNO_NOTCAPABLE);
    EXPECT_ERR("fd_seek without the right", __wasi_fd_seek(ro, 1, __WASI_WHENCE_SET, &pos), __WASI_ERRNO_NOTCAPABLE);
    EXPECT_ERR("fd_advise without the right", __wasi_fd_advise(ro, 0, 1, 0), __WASI_ERRNO_NOTCAPABLE);
    check("file unchanged", file_size(ro) == 4097, "size %llu", (unsigned long long)file_size(ro));
    (void)__wasi_fd_close(ro);
  } else {
    check("open read-only", 0, "failed");
  }

  EXPECT_ERR("sched_yield", __wasi_sched_yield(), __WASI_ERRNO_SUCCESS);
  EXPECT_ERR("proc_raise is not supported", raw_proc_raise(2), __WASI_ERRNO_NOTSUP);
}

static void check_sockets(__wasi_fd_t dir) {
  __wasi_fd_t f, accepted;
  if (open_at(dir, "fd.txt", 0, kAll, 0, &f) != 0) {
    check("socket setup", 0, "cannot open fd.txt");
    return;
  }
  char buf[4];
  __wasi_iovec_t iov = {(uint8_t*)buf, sizeof buf};
  __wasi_ciovec_t ciov = {(const uint8_t*)buf, sizeof buf};
  __wasi_size_t n;
  __wasi_roflags_t ro;
  EXPECT_ERR("sock_accept on a file", __wasi_sock_accept(f, 0, &accepted), __WASI_ERRNO_NOTSOCK);
  EXPECT_ERR("sock_recv on a file", __wasi_sock_recv(f, &iov, 1, 0, &n, &ro), __WASI_ERRNO_NOTSOCK);
  EXPECT_ERR("sock_send on a file", __wasi_sock_send(f, &ciov, 1, 0, &n), __WASI_ERRNO_NOTSOCK);
  EXPECT_ERR("sock_shutdown on a file", __wasi_sock_shutdown(f, __WASI_SDFLAGS_WR), __WASI_ERRNO_NOTSOCK);
  EXPECT_ERR("sock_recv on a closed fd", __wasi_sock_recv(999, &iov, 1, 0, &n, &ro), __WASI_ERRNO_BADF);
  (void)__wasi_fd_close(f);
}

static void check_path_edges(__wasi_fd_t dir) {
  __wasi_filestat_t st;
  make_file(dir, "plain.txt", "p");
  EXPECT_ERR("unlink file/ is ENOTDIR", __wasi_path_unlink_file(dir, "plain.txt/"), __WASI_ERRNO_NOTDIR);
  EXPECT_ERR("file/ still there", __wasi_path_filestat_get(dir, 0, "plain.txt", &st), __WASI_ERRNO_SUCCESS);
  EXPECT_ERR("rename file/ is ENOTDIR", __wasi_path_rename(dir, "plain.txt/", dir, "moved.txt"), __WASI_ERRNO_NOTDIR);
  EXPECT_ERR("mkdir sub", __wasi_path_create_directory(dir, "sub"), __WASI_ERRNO_SUCCESS);
  EXPECT_ERR("mkdir sub/.. is EEXIST", __wasi_path_create_directory(dir, "sub/.."), __WASI_ERRNO_EXIST);
  EXPECT_ERR("mkdir sub/. is EEXIST", __wasi_path_create_directory(dir, "sub/."), __WASI_ERRNO_EXIST);
  EXPECT_ERR("mkdir .. is ENOTCAPABLE", __wasi_path_create_directory(dir, ".."), __WASI_ERRNO_NOTCAPABLE);
  EXPECT_ERR("mkdir sub/../.. is ENOTCAPABLE", __wasi_path_create_directory(dir, "sub/../.."),
             __WASI_ERRNO_NOTCAPABLE);
  EXPECT_ERR("unlink sub/ is EISDIR", __wasi_path_unlink_file(dir, "sub/"), __WASI_ERRNO_ISDIR);
  EXPECT_ERR("rmdir sub/.. is ENOTEMPTY", __wasi_path_remove_directory(dir, "sub/.."), __WASI_ERRNO_NOTEMPTY);
  EXPECT_ERR("rmdir . is EINVAL", __wasi_path_remove_directory(dir, "."), __WASI_ERRNO_INVAL);
  EXPECT_ERR("mkdir with a trailing slash", __wasi_path_create_directory(dir, "sub2/"), __WASI_ERRNO_SUCCESS);
  EXPECT_ERR("symlink to sub2", __wasi_path_symlink("sub2", dir, "sub2link"), __WASI_ERRNO_SUCCESS);
  char buf[64];
  __wasi_size_t n;
  EXPECT_ERR("readlink link/ is EINVAL", __wasi_path_readlink(dir, "sub2link/", (uint8_t*)buf, sizeof buf, &n),
             __WASI_ERRNO_INVAL);
  // Without symlink_follow, "link/" still names the directory (as on Linux).
  int e = __wasi_path_filestat_set_times(dir, 0, "sub2link/", 0, 1234000000000ull, __WASI_FSTFLAGS_MTIM);
  __wasi_filestat_t dst, lst;
  (void)__wasi_path_filestat_get(dir, 0, "sub2", &dst);
  (void)__wasi_path_filestat_get(dir, 0, "sub2link", &lst);
  check("set_times link/ sets the directory's", e == 0 && dst.mtim == 1234000000000ull && lst.mtim != dst.mtim,
        "errno %d", e);
  EXPECT_ERR("rmdir with a trailing slash", __wasi_path_remove_directory(dir, "sub2/"), __WASI_ERRNO_SUCCESS);
  EXPECT_ERR("link file/ is ENOTDIR", __wasi_path_link(dir, 0, "plain.txt/", dir, "hard.txt"), __WASI_ERRNO_NOTDIR);
  EXPECT_ERR("link sub/.. is EPERM", __wasi_path_link(dir, 0, "sub/..", dir, "hard.txt"), __WASI_ERRNO_PERM);
  EXPECT_ERR("link to new/ is ENOENT", __wasi_path_link(dir, 0, "plain.txt", dir, "hard/"), __WASI_ERRNO_NOENT);
  // Hard links without and with symlink_follow.
  EXPECT_ERR("symlink to plain.txt", __wasi_path_symlink("plain.txt", dir, "plainlink"), __WASI_ERRNO_SUCCESS);
  EXPECT_ERR("link a symlink itself", __wasi_path_link(dir, 0, "plainlink", dir, "hard_of_link"),
             __WASI_ERRNO_SUCCESS);
  (void)__wasi_path_filestat_get(dir, 0, "hard_of_link", &st);
  check("the new link is the symlink", st.filetype == __WASI_FILETYPE_SYMBOLIC_LINK, "type %d", st.filetype);
  EXPECT_ERR("link through a symlink", __wasi_path_link(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "plainlink", dir,
                                                        "hard_of_file"),
             __WASI_ERRNO_SUCCESS);
  (void)__wasi_path_filestat_get(dir, 0, "hard_of_file", &st);
  check("the new link is the file", st.filetype == __WASI_FILETYPE_REGULAR_FILE && st.nlink == 2, "type %d nlink %llu",
        st.filetype, (unsigned long long)st.nlink);
}

// Reads of a non-blocking FIFO with no data give EAGAIN at once, however nonblock was set.
static void check_nonblocking_fifo(__wasi_fd_t dir) {
  const __wasi_rights_t rw = kAll;  // read and write: the host opens it O_RDWR, never blocking
  __wasi_fd_t f;
  char buf[8];
  __wasi_iovec_t iov = {(uint8_t*)buf, sizeof buf};
  __wasi_size_t n = 0;
  __wasi_fdstat_t fs;
  int e = open_at(dir, "fifo", 0, rw, __WASI_FDFLAGS_NONBLOCK, &f);
  if (e != 0) {
    check("open fifo nonblocking", 0, "errno %d", e);
    return;
  }
  (void)__wasi_fd_fdstat_get(f, &fs);
  check("fifo type and nonblock flag", fs.fs_filetype == __WASI_FILETYPE_UNKNOWN &&
                                           (fs.fs_flags & __WASI_FDFLAGS_NONBLOCK),
        "type %d flags %#x", fs.fs_filetype, fs.fs_flags);
  EXPECT_ERR("read an empty nonblocking fifo", __wasi_fd_read(f, &iov, 1, &n), __WASI_ERRNO_AGAIN);
  (void)__wasi_fd_close(f);
  e = open_at(dir, "fifo", 0, rw, 0, &f);
  (void)__wasi_fd_fdstat_get(f, &fs);
  check("fifo opened blocking", e == 0 && !(fs.fs_flags & __WASI_FDFLAGS_NONBLOCK), "errno %d flags %#x", e,
        fs.fs_flags);
  EXPECT_ERR("set nonblock on the fifo", __wasi_fd_fdstat_set_flags(f, __WASI_FDFLAGS_NONBLOCK), 0);
  EXPECT_ERR("read it: EAGAIN", __wasi_fd_read(f, &iov, 1, &n), __WASI_ERRNO_AGAIN);
  e = write_all(f, "abc");
  e = e == 0 ? __wasi_fd_read(f, &iov, 1, &n) : e;
  check("then data is read", e == 0 && n == 3 && memcmp(buf, "abc", 3) == 0, "errno %d n %lu", e, n);
  (void)__wasi_fd_close(f);
}

// What wasmtime and the WASI test suite expect of directories: a directory fd lacks the
// rights of file operations and refuses them with EBADF; opening a directory for writing is
// EISDIR; a symlink may not point at an absolute path (a host tool following it later would
// leave the sandbox).
static void check_directories(__wasi_fd_t dir) {
  EXPECT_ERR("symlink to / is EPERM", __wasi_path_symlink("/", dir, "abs_root"), __WASI_ERRNO_PERM);
  EXPECT_ERR("symlink to /etc/passwd is EPERM", __wasi_path_symlink("/etc/passwd", dir, "abs_file"),
             __WASI_ERRNO_PERM);
  __wasi_filestat_t st;
  EXPECT_ERR("no link was left", __wasi_path_filestat_get(dir, 0, "abs_root", &st), __WASI_ERRNO_NOENT);
  EXPECT_ERR("a relative symlink is fine", __wasi_path_symlink("somewhere", dir, "rel_link"), __WASI_ERRNO_SUCCESS);
  (void)__wasi_path_unlink_file(dir, "rel_link");

  if (__wasi_path_create_directory(dir, "d") != 0) {
    check("directory setup", 0, "cannot make d");
    return;
  }
  __wasi_fd_t d;
  const __wasi_rights_t rw = __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE;
  EXPECT_ERR("open a directory with O_DIRECTORY for reading and writing is EISDIR",
             open_at(dir, "d", __WASI_OFLAGS_DIRECTORY, rw, 0, &d), __WASI_ERRNO_ISDIR);
  EXPECT_ERR("open a directory for writing is EISDIR", open_at(dir, "d", 0, __WASI_RIGHTS_FD_WRITE, 0, &d),
             __WASI_ERRNO_ISDIR);
  const __wasi_rights_t write = __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_DATASYNC | __WASI_RIGHTS_FD_ALLOCATE |
                                __WASI_RIGHTS_FD_FILESTAT_SET_SIZE;
  EXPECT_ERR("open a directory asking for every right is EISDIR (write among them)",
             open_at(dir, "d", __WASI_OFLAGS_DIRECTORY, kAll, 0, &d), __WASI_ERRNO_ISDIR);
  int e = open_at(dir, "d", __WASI_OFLAGS_DIRECTORY, kAll & ~write, 0, &d);
  check("open a directory asking for every right but writing", e == 0, "errno %d", e);
  if (e != 0) return;
  __wasi_fdstat_t fs;
  e = __wasi_fd_fdstat_get(d, &fs);
  check("a directory fd has no file rights",
        e == 0 && fs.fs_filetype == __WASI_FILETYPE_DIRECTORY &&
            (fs.fs_rights_base & (__WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_TELL | __WASI_RIGHTS_FD_READ |
                                  __WASI_RIGHTS_FD_WRITE)) == 0 &&
            (fs.fs_rights_base & __WASI_RIGHTS_FD_READDIR) != 0,
        "errno %d type %d rights %llx", e, fs.fs_filetype, (unsigned long long)fs.fs_rights_base);
  __wasi_filesize_t pos;
  char buf[8];
  __wasi_iovec_t iov = {(uint8_t*)buf, sizeof buf};
  __wasi_ciovec_t ciov = {(const uint8_t*)"x", 1};
  __wasi_size_t n;
  for (int i = 0; i < 2; ++i) {  // an opened directory, then the preopened one
    const __wasi_fd_t fd = i == 0 ? d : dir;
    const char* which = i == 0 ? "opened" : "preopened";
    char what[96];
#define DIR_EBADF(label, call)                                      \
  snprintf(what, sizeof what, "%s on a %s directory is EBADF", label, which); \
  EXPECT_ERR(what, call, __WASI_ERRNO_BADF)
    DIR_EBADF("fd_seek", __wasi_fd_seek(fd, 0, __WASI_WHENCE_CUR, &pos));
    DIR_EBADF("fd_tell", __wasi_fd_tell(fd, &pos));
    DIR_EBADF("fd_read", __wasi_fd_read(fd, &iov, 1, &n));
    DIR_EBADF("fd_write", __wasi_fd_write(fd, &ciov, 1, &n));
    DIR_EBADF("fd_pread", __wasi_fd_pread(fd, &iov, 1, 0, &n));
    DIR_EBADF("fd_pwrite", __wasi_fd_pwrite(fd, &ciov, 1, 0, &n));
    DIR_EBADF("fd_allocate", __wasi_fd_allocate(fd, 0, 1));
    DIR_EBADF("fd_filestat_set_size", __wasi_fd_filestat_set_size(fd, 0));
    DIR_EBADF("fd_advise", __wasi_fd_advise(fd, 0, 1, __WASI_ADVICE_NORMAL));
#undef DIR_EBADF
  }
  e = __wasi_fd_fdstat_get(dir, &fs);
  check("the preopened directory has no seek right either",
        e == 0 && (fs.fs_rights_base & (__WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_TELL)) == 0 &&
            (fs.fs_rights_base & __WASI_RIGHTS_PATH_OPEN) != 0,
        "errno %d rights %llx", e, (unsigned long long)fs.fs_rights_base);
  (void)__wasi_fd_close(d);
  (void)__wasi_path_remove_directory(dir, "d");
}

static int run_preview1(const char* name) {
  __wasi_fd_t dir = find_preopen(name);
  if (dir == (__wasi_fd_t)-1) return 1;
  check_poll(dir);
  check_iovecs_and_faults(dir);
  check_loops(dir);
  check_fd_calls(dir);
  check_sockets(dir);
  check_path_edges(dir);
  check_nonblocking_fifo(dir);
  check_directories(dir);
  puts("DONE");
  return failures ? 1 : 0;
}

// ---- wasi_unstable -------------------------------------------------------------------------

static int run_unstable(const char* name) {
  __wasi_fd_t dir = find_preopen(name);
  if (dir == (__wasi_fd_t)-1) return 1;
  unstable_subscription_t subs[2];
  __wasi_event_t ev[2];
  uint32_t n = 0;

  // A relative sleep: identifier 0 and clock 1 (monotonic), 100 ms.
  memset(subs, 0, sizeof subs);
  subs[0].userdata = 41;
  subs[0].type = __WASI_EVENTTYPE_CLOCK;
  subs[0].u.clock.identifier = 0;
  subs[0].u.clock.clock_id = __WASI_CLOCKID_MONOTONIC;
  subs[0].u.clock.timeout = 100000000ull;
  uint64_t start = now_ns(__WASI_CLOCKID_MONOTONIC);
  int e = u_poll_oneoff((int32_t)(uintptr_t)subs, (int32_t)(uintptr_t)ev, 1, (int32_t)(uintptr_t)&n);
  uint64_t took = now_ns(__WASI_CLOCKID_MONOTONIC) - start;
  check("unstable poll_oneoff sleeps 100ms", e == 0 && n == 1 && ev[0].userdata == 41 && ev[0].error == 0 &&
                                                 ev[0].type == __WASI_EVENTTYPE_CLOCK && took >= 90000000ull,
        "errno %d, %u events, error %d, waited %llu ms", e, n, n ? ev[0].error : -1,
        (unsigned long long)(took / 1000000));

  // An absolute deadline on the monotonic clock.
  subs[0].u.clock.timeout = now_ns(__WASI_CLOCKID_MONOTONIC) + 50000000ull;
  subs[0].u.clock.flags = __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME;
  start = now_ns(__WASI_CLOCKID_MONOTONIC);
  e = u_poll_oneoff((int32_t)(uintptr_t)subs, (int32_t)(uintptr_t)ev, 1, (int32_t)(uintptr_t)&n);
  took = now_ns(__WASI_CLOCKID_MONOTONIC) - start;
  check("unstable poll_oneoff absolute deadline", e == 0 && n == 1 && took >= 45000000ull, "errno %d, waited %llu ms",
        e, (unsigned long long)(took / 1000000));

  // Two subscriptions: a far clock and a ready file (the second one 56 bytes in).
  __wasi_fd_t f;
  if (make_file(dir, "u.txt", "0123456789") != 0 || open_at(dir, "u.txt", 0, kAll, 0, &f) != 0) {
    check("unstable setup", 0, "cannot make u.txt");
    return 1;
  }
  memset(subs, 0, sizeof subs);
  subs[0].userdata = 51;
  subs[0].type = __WASI_EVENTTYPE_CLOCK;
  subs[0].u.clock.clock_id = __WASI_CLOCKID_MONOTONIC;
  subs[0].u.clock.timeout = 10000000000ull;
  subs[1].userdata = 52;
  subs[1].type = __WASI_EVENTTYPE_FD_READ;
  subs[1].u.fd.fd = f;
  e = u_poll_oneoff((int32_t)(uintptr_t)subs, (int32_t)(uintptr_t)ev, 2, (int32_t)(uintptr_t)&n);
  check("unstable poll_oneoff fd_read subscription", e == 0 && n == 1 && ev[0].userdata == 52 && ev[0].error == 0 &&
                                                         ev[0].type == __WASI_EVENTTYPE_FD_READ &&
                                                         ev[0].fd_readwrite.nbytes == 10,
        "errno %d, %u events, userdata %llu error %d", e, n, n ? (unsigned long long)ev[0].userdata : 0ull,
        n ? ev[0].error : -1);

  // whence: cur 0, end 1, set 2.
  uint64_t pos = 0;
  e = u_fd_seek(f, 2, 2, (int32_t)(uintptr_t)&pos);
  check("unstable whence 2 is SET", e == 0 && pos == 2, "errno %d pos %llu", e, (unsigned long long)pos);
  e = u_fd_seek(f, 3, 0, (int32_t)(uintptr_t)&pos);
  check("unstable whence 0 is CUR", e == 0 && pos == 5, "errno %d pos %llu", e, (unsigned long long)pos);
  e = u_fd_seek(f, -1, 1, (int32_t)(uintptr_t)&pos);
  check("unstable whence 1 is END", e == 0 && pos == 9, "errno %d pos %llu", e, (unsigned long long)pos);

  // filestat: 56 bytes, nlink u32 at 20, size at 24.
  uint8_t st[64];
  memset(st, 0xAA, sizeof st);
  e = u_fd_filestat_get(f, (int32_t)(uintptr_t)st);
  uint32_t nlink;
  uint64_t size;
  memcpy(&nlink, st + 20, 4);
  memcpy(&size, st + 24, 8);
  check("unstable fd_filestat_get layout", e == 0 && st[16] == __WASI_FILETYPE_REGULAR_FILE && nlink == 1 &&
                                               size == 10 && st[56] == 0xAA && st[63] == 0xAA,
        "errno %d type %d nlink %u size %llu", e, st[16], nlink, (unsigned long long)size);
  memset(st, 0xAA, sizeof st);
  static const char path[] = "u.txt";
  e = u_path_filestat_get(dir, 0, (int32_t)(uintptr_t)path, 5, (int32_t)(uintptr_t)st);
  memcpy(&nlink, st + 20, 4);
  memcpy(&size, st + 24, 8);
  check("unstable path_filestat_get layout", e == 0 && st[16] == __WASI_FILETYPE_REGULAR_FILE && nlink == 1 &&
                                                 size == 10 && st[56] == 0xAA,
        "errno %d type %d nlink %u size %llu", e, st[16], nlink, (unsigned long long)size);
  (void)__wasi_fd_close(f);
  puts("DONE");
  return failures ? 1 : 0;
}

// ---- two preopens on different file systems --------------------------------------------------

static int run_cross(const char* a, const char* b) {
  __wasi_fd_t da = find_preopen(a), db = find_preopen(b);
  if (da == (__wasi_fd_t)-1 || db == (__wasi_fd_t)-1) return 1;
  EXPECT_ERR("make a file", make_file(da, "f.txt", "f"), 0);
  EXPECT_ERR("rename across file systems is EXDEV", __wasi_path_rename(da, "f.txt", db, "f.txt"), __WASI_ERRNO_XDEV);
  EXPECT_ERR("link across file systems is EXDEV", __wasi_path_link(da, 0, "f.txt", db, "g.txt"), __WASI_ERRNO_XDEV);
  EXPECT_ERR("link (following) across file systems is EXDEV",
             __wasi_path_link(da, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "f.txt", db, "g.txt"), __WASI_ERRNO_XDEV);
  EXPECT_ERR("an escape is still ENOTCAPABLE", __wasi_path_rename(da, "f.txt", da, "../f.txt"),
             __WASI_ERRNO_NOTCAPABLE);
  EXPECT_ERR("rename within one works", __wasi_path_rename(da, "f.txt", da, "g.txt"), 0);
  puts("DONE");
  return failures ? 1 : 0;
}

// ---- stdin ----------------------------------------------------------------------------------

static int run_poll_stdin(void) {
  puts("polling");
  fflush(stdout);
  __wasi_subscription_t s = fd_sub(7, __WASI_EVENTTYPE_FD_READ, 0);
  __wasi_event_t ev;
  __wasi_size_t n = 0;
  int e = __wasi_poll_oneoff(&s, &ev, 1, &n);
  printf("event errno %d count %lu userdata %llu type %u error %u nbytes %llu\n", e, n, (unsigned long long)ev.userdata,
         ev.type, ev.error, (unsigned long long)ev.fd_readwrite.nbytes);
  char buf[64] = {0};
  __wasi_iovec_t iov = {(uint8_t*)buf, sizeof buf - 1};
  e = __wasi_fd_read(0, &iov, 1, &n);
  printf("read errno %d: %s\n", e, buf);
  return 0;
}

static int run_nonblock_stdin(void) {
  int e = __wasi_fd_fdstat_set_flags(0, __WASI_FDFLAGS_NONBLOCK);
  __wasi_fdstat_t fs;
  (void)__wasi_fd_fdstat_get(0, &fs);
  printf("set_flags errno %d, nonblock %s\n", e, (fs.fs_flags & __WASI_FDFLAGS_NONBLOCK) ? "on" : "off");
  // Append would have to change the host's open file description: refused.
  e = __wasi_fd_fdstat_set_flags(0, __WASI_FDFLAGS_NONBLOCK | __WASI_FDFLAGS_APPEND);
  printf("append: %s\n", e == __WASI_ERRNO_NOTSUP ? "ENOTSUP" : e == 0 ? "set" : "other error");
  char buf[16];
  __wasi_iovec_t iov = {(uint8_t*)buf, sizeof buf};
  __wasi_size_t n = 0;
  e = __wasi_fd_read(0, &iov, 1, &n);
  printf("read: %s\n", e == __WASI_ERRNO_AGAIN ? "EAGAIN" : e == 0 ? "data" : "other error");
  fflush(stdout);
  return e == __WASI_ERRNO_AGAIN ? 0 : 1;
}

static int run_stdio_split(void) {
  __wasi_subscription_t subs[2] = {fd_sub(1, __WASI_EVENTTYPE_FD_READ, 0), fd_sub(2, __WASI_EVENTTYPE_FD_WRITE, 1)};
  __wasi_event_t ev[2];
  __wasi_size_t nev = 0;
  int e = __wasi_poll_oneoff(subs, ev, 2, &nev);
  int ready = e == 0 && nev == 2 && ev[0].error == 0 && ev[1].error == 0;
  char data[4096];
  size_t total = 0;
  for (;;) {
    __wasi_iovec_t iov = {(uint8_t*)data + total, sizeof data - total};
    __wasi_size_t n = 0;
    e = __wasi_fd_read(0, &iov, 1, &n);
    if (e != 0 || n == 0) break;
    total += n;
  }
  char line[128];
  snprintf(line, sizeof line, "%s\nerr: %zu bytes\n", ready ? "poll ok" : "poll FAILED", total);
  __wasi_ciovec_t out[3] = {{(const uint8_t*)"out: ", 5}, {(const uint8_t*)data, total}, {(const uint8_t*)"\n", 1}};
  __wasi_size_t n;
  (void)__wasi_fd_write(1, out, 3, &n);
  write_all(2, line);
  return e == 0 ? 0 : 1;
}

static int run_write_much(const char* name) {
  __wasi_fd_t dir = find_preopen(name);
  if (dir == (__wasi_fd_t)-1) return 1;
  __wasi_fd_t f;
  if (open_at(dir, "big", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, kAll, 0, &f) != 0) return 1;
  static uint8_t chunk[65536];
  __wasi_ciovec_t iov = {chunk, sizeof chunk};
  unsigned long total = 0;
  int e = 0;
  while (total < (8ul << 20)) {
    __wasi_size_t n = 0;
    e = __wasi_fd_write(f, &iov, 1, &n);
    if (e != 0) break;
    total += n;
  }
  printf("wrote %lu then errno %d\n", total, e);
  printf("allocate errno %d\n", __wasi_fd_allocate(f, total, 1 << 20));
  printf("grow errno %d\n", __wasi_fd_filestat_set_size(f, total + (1 << 20)));
  return 0;
}

static int run_open_many(const char* name) {
  __wasi_fd_t dir = find_preopen(name);
  if (dir == (__wasi_fd_t)-1) return 1;
  if (make_file(dir, "f", "x") != 0) return 1;
  static __wasi_fd_t fds[100000];
  int n = 0, e = 0;
  while (n < 100000 && (e = open_at(dir, "f", 0, __WASI_RIGHTS_FD_READ, 0, &fds[n])) == 0) ++n;
  printf("opened %d then errno %d\n", n, e);
  if (n > 10) {
    __wasi_fd_t middle = fds[n / 2];
    (void)__wasi_fd_close(middle);
    __wasi_fd_t again;
    printf("reused=%d\n", open_at(dir, "f", 0, __WASI_RIGHTS_FD_READ, 0, &again) == 0 && again == middle);
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 3 && strcmp(argv[1], "preview1") == 0) return run_preview1(argv[2]);
  if (argc == 3 && strcmp(argv[1], "unstable") == 0) return run_unstable(argv[2]);
  if (argc == 4 && strcmp(argv[1], "cross") == 0) return run_cross(argv[2], argv[3]);
  if (argc == 2 && strcmp(argv[1], "poll_stdin") == 0) return run_poll_stdin();
  if (argc == 2 && strcmp(argv[1], "nonblock_stdin") == 0) return run_nonblock_stdin();
  if (argc == 2 && strcmp(argv[1], "stdio_split") == 0) return run_stdio_split();
  if (argc == 3 && strcmp(argv[1], "open_many") == 0) return run_open_many(argv[2]);
  if (argc == 3 && strcmp(argv[1], "write_much") == 0) return run_write_much(argv[2]);
  fprintf(stderr, "usage: wasi_raw preview1 DIR | unstable DIR | cross DIR1 DIR2 | poll_stdin | nonblock_stdin | "
                  "stdio_split\n");
  return 64;
}
