// SPDX-License-Identifier: MIT
// File helpers for the store and for `pull -o`: whole-file reads, atomic writes (temporary
// file in the same directory, fsync, rename, fsync of the directory), directories, and an
// exclusive flock(2) on a file that is itself replaced by rename.
#pragma once

#include <string>
#include <string_view>

#include "common/files.h"
#include "common/result.h"

namespace wb::oci {

using wb::read_file;
bool file_exists(const std::string& path);  // a regular file (following symlinks)

// Writes `data` to `path` atomically with permissions `mode`.
Result<void> write_file_atomic(const std::string& path, std::string_view data,
                               unsigned mode = 0644);

// Creates `path` and its parents.
Result<void> make_dirs(const std::string& path);
void fsync_dir(const std::string& dir);

// Renames `from` to `to` and fsyncs the target directory.
Result<void> rename_durably(const std::string& from, const std::string& to);

// A fresh directory `<parent>/<prefix>XXXXXX`, removed with its contents on destruction.
// It holds a file `.lock`, flock'ed for the directory's whole life: a directory whose lock can
// be taken belongs to a process that is gone (killed before it could clean up), which
// sweep_abandoned_temp_dirs() removes.
class TempDir {
 public:
  static Result<TempDir> create(const std::string& parent, const std::string& prefix);
  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&&) = delete;
  TempDir(const TempDir&) = delete;
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  TempDir(std::string path, int lock_fd, int live_slot)
      : path_(std::move(path)), lock_fd_(lock_fd), live_slot_(live_slot) {}
  std::string path_;
  int lock_fd_ = -1;
  int live_slot_ = -1;  // where remove_live_temp_dirs_now() finds it (-1: not listed)
};

// Removes the directories of the TempDirs of this process now, for a signal handler that is
// about to end it (a second Ctrl-C): async-signal-safe, system calls only. Trees up to 4
// levels deep are removed; the TempDirs themselves are left to the process's end.
void remove_live_temp_dirs_now() noexcept;

// Removes the directories `<parent>/<prefix>*` of TempDirs whose owner is gone: their lock is
// free (or they have none and were not touched for a while, so they are not being created).
void sweep_abandoned_temp_dirs(const std::string& parent, const std::string& prefix);

// An exclusive lock on `path` (created if missing). When the holder replaces the file by
// rename, later lockers notice that they locked a stale inode and lock the new file instead.
class FileLock {
 public:
  static Result<FileLock> acquire(const std::string& path);
  FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  FileLock& operator=(FileLock&&) = delete;
  FileLock(const FileLock&) = delete;
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace wb::oci
