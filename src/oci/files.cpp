// SPDX-License-Identifier: MIT
#include "oci/files.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <vector>

#include "oci/interrupt.h"

namespace wb::oci {
namespace {

std::string errno_text() { return std::strerror(errno); }

// The paths of this process's TempDirs, readable from a signal handler: a fixed table of
// slots, each free, being written, or holding a path.
constexpr int kLiveTempDirSlots = 16;
enum : int { kSlotFree = 0, kSlotWriting = 1, kSlotReady = 2 };
struct LiveTempDir {
  std::atomic<int> state{kSlotFree};
  char path[PATH_MAX];
};
LiveTempDir g_live_temp_dirs[kLiveTempDirSlots];

int register_live_temp_dir(const std::string& path) {
  if (path.size() >= PATH_MAX) return -1;
  for (int i = 0; i < kLiveTempDirSlots; ++i) {
    int expected = kSlotFree;
    if (!g_live_temp_dirs[i].state.compare_exchange_strong(expected, kSlotWriting)) continue;
    std::memcpy(g_live_temp_dirs[i].path, path.c_str(), path.size() + 1);
    g_live_temp_dirs[i].state.store(kSlotReady);
    return i;
  }
  return -1;  // more than the table holds: only the normal clean-up covers it
}

void unregister_live_temp_dir(int slot) {
  if (slot >= 0) g_live_temp_dirs[slot].state.store(kSlotFree);
}

// One record of getdents64 (linux_dirent64).
struct RawDirEntry {
  uint64_t ino;
  int64_t off;
  unsigned short reclen;
  unsigned char type;
  char name[1];
};

void remove_contents_raw(int dir_fd, int depth) noexcept;

// Removes the entry `name` of `dir_fd` (a directory with its contents, `depth` levels down);
// true if it is gone.
bool remove_entry_raw(int dir_fd, const char* name, int depth) noexcept {
  if (::unlinkat(dir_fd, name, 0) == 0) return true;
  if (errno != EISDIR) return false;
  if (depth > 0) {
    const int sub = ::openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub >= 0) {
      remove_contents_raw(sub, depth - 1);
      ::close(sub);
    }
  }
  return ::unlinkat(dir_fd, name, AT_REMOVEDIR) == 0;
}

// Removes everything in the directory open as `dir_fd`, descending `depth` more levels, with
// system calls only (getdents64, unlinkat): async-signal-safe.
void remove_contents_raw(int dir_fd, int depth) noexcept {
  alignas(8) char buf[4096];
  for (;;) {
    bool removed = false;  // in this pass; when nothing was, what is left stays
    long n;
    while ((n = ::syscall(SYS_getdents64, dir_fd, buf, sizeof buf)) > 0) {
      for (long off = 0; off < n;) {
        const auto* e = reinterpret_cast<const RawDirEntry*>(buf + off);
        off += e->reclen;
        if (std::strcmp(e->name, ".") == 0 || std::strcmp(e->name, "..") == 0) continue;
        removed = remove_entry_raw(dir_fd, e->name, depth) || removed;
      }
    }
    if (!removed) return;
    // Entries were removed while reading, which may hide others: read again from the start.
    ::lseek(dir_fd, 0, SEEK_SET);
  }
}

}  // namespace

namespace {

std::string dir_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

void fsync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

Result<void> write_file_atomic(const std::string& path, std::string_view data, unsigned mode) {
  const std::string dir = dir_of(path);
  std::string tmpl = path + ".tmp-XXXXXX";
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  const int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) return make_error("cannot create a file in " + dir + ": " + errno_text());
  const std::string tmp(name.data());
  bool ok = ::fchmod(fd, mode) == 0 && write_all(fd, data) && ::fsync(fd) == 0;
  const std::string msg = ok ? "" : "cannot write " + path + ": " + errno_text();
  ok = (::close(fd) == 0) && ok;
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string err = msg.empty() ? "cannot write " + path + ": " + errno_text() : msg;
    ::unlink(tmp.c_str());
    return make_error(err);
  }
  fsync_dir(dir);
  return {};
}

Result<void> make_dirs(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return make_error("cannot create directory " + path + ": " + ec.message());
  return {};
}

Result<void> rename_durably(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return make_error("cannot move " + from + " to " + to + ": " + errno_text());
  }
  fsync_dir(dir_of(to));
  return {};
}

Result<TempDir> TempDir::create(const std::string& parent, const std::string& prefix) {
  if (auto r = make_dirs(parent); !r) return r.error();
  std::string tmpl = parent + "/" + prefix + "XXXXXX";
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  if (::mkdtemp(name.data()) == nullptr) {
    return make_error("cannot create a temporary directory in " + parent + ": " + errno_text());
  }
  const std::string path(name.data());
  const int fd = ::open((path + "/.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0 || ::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const std::string msg = "cannot lock " + path + "/.lock: " + errno_text();
    if (fd >= 0) ::close(fd);
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
    return make_error(msg);
  }
  return TempDir(path, fd, register_live_temp_dir(path));
}

TempDir::TempDir(TempDir&& other) noexcept
    : path_(std::move(other.path_)), lock_fd_(other.lock_fd_), live_slot_(other.live_slot_) {
  other.path_.clear();
  other.lock_fd_ = -1;
  other.live_slot_ = -1;
}

TempDir::~TempDir() {
  if (!path_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  unregister_live_temp_dir(live_slot_);
  if (lock_fd_ >= 0) ::close(lock_fd_);  // after the removal: no sweeper races with it
}

void remove_live_temp_dirs_now() noexcept {
  for (LiveTempDir& slot : g_live_temp_dirs) {
    if (slot.state.load() != kSlotReady) continue;
    const int fd = ::open(slot.path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) continue;
    remove_contents_raw(fd, 3);
    ::close(fd);
    ::rmdir(slot.path);
  }
}

void sweep_abandoned_temp_dirs(const std::string& parent, const std::string& prefix) {
  // A directory this fresh may be one whose creator has not taken its lock yet.
  constexpr auto kCreationGrace = std::chrono::seconds(10);
  const auto now = std::filesystem::file_time_type::clock::now();
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(parent, ec)) {
    std::error_code ec2;
    if (!entry.path().filename().string().starts_with(prefix) || !entry.is_directory(ec2)) continue;
    const auto modified = entry.last_write_time(ec2);
    if (ec2 || now - modified < kCreationGrace) continue;
    const std::string lock = entry.path().string() + "/.lock";
    const int fd = ::open(lock.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) std::filesystem::remove_all(entry.path(), ec2);
      continue;
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
      // Its owner is gone; holding the lock, nobody else is using the directory.
      std::filesystem::remove_all(entry.path(), ec2);
    }
    ::close(fd);
  }
}

Result<FileLock> FileLock::acquire(const std::string& path) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return make_error("cannot open " + path + " to lock it: " + errno_text());
    int rc;
    do {
      rc = ::flock(fd, LOCK_EX);
    } while (rc != 0 && errno == EINTR && !interrupted());
    if (rc != 0) {
      const std::string msg = "cannot lock " + path + ": " + errno_text();
      ::close(fd);
      return make_error(msg);
    }
    // The previous holder may have replaced the file: then this lock guards nothing.
    struct stat locked {
    }, current{};
    if (::fstat(fd, &locked) == 0 && ::stat(path.c_str(), &current) == 0 &&
        locked.st_dev == current.st_dev && locked.st_ino == current.st_ino) {
      return FileLock(fd);
    }
    ::close(fd);
  }
  return make_error("cannot lock " + path + ": it keeps being replaced");
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

}  // namespace wb::oci
