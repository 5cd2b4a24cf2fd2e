// SPDX-License-Identifier: MIT
#include "wasi/own_process.h"

#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace wb::wasi {
namespace {

// Mount points of the procfs with device `dev`, from /proc/self/mountinfo (field 3 is
// "major:minor", field 5 the mount point, the file system type follows " - ").
std::vector<std::string> proc_mount_points(dev_t dev) {
  std::vector<std::string> out;
  std::ifstream in("/proc/self/mountinfo");
  const std::string want = std::to_string(major(dev)) + ":" + std::to_string(minor(dev));
  for (std::string line; std::getline(in, line);) {
    std::istringstream f(line);
    std::string id, parent, devno, root, mount_point;
    f >> id >> parent >> devno >> root >> mount_point;
    const size_t dash = line.find(" - ");
    if (devno != want || dash == std::string::npos || line.compare(dash + 3, 5, "proc ") != 0) continue;
    // Octal escapes (\040 for a space) as the kernel writes them.
    std::string unescaped;
    for (size_t i = 0; i < mount_point.size(); ++i) {
      if (mount_point[i] == '\\' && i + 3 < mount_point.size()) {
        unescaped += static_cast<char>(std::strtol(mount_point.substr(i + 1, 3).c_str(), nullptr, 8));
        i += 3;
      } else {
        unescaped += mount_point[i];
      }
    }
    out.push_back(unescaped == "/" ? "" : unescaped);
  }
  return out;
}

bool is_own_thread(long id) {
  if (id == static_cast<long>(::getpid())) return true;
  struct stat st;
  return ::stat(("/proc/self/task/" + std::to_string(id)).c_str(), &st) == 0;
}

}  // namespace

bool reaches_own_process(int fd) {
  struct statfs sfs;
  if (::fstatfs(fd, &sfs) != 0) return false;  // the open itself will report what is wrong
  if (sfs.f_type != PROC_SUPER_MAGIC) return false;
  struct stat st;
  if (::fstat(fd, &st) != 0) return true;
  // The file's path in this mount namespace: <mount point>/<pid>/... for per-process files.
  char link[64];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  char target[4096];
  const ssize_t n = ::readlink(link, target, sizeof target - 1);
  if (n <= 0) return true;
  const std::string path(target, static_cast<size_t>(n));
  for (const std::string& mount : proc_mount_points(st.st_dev)) {
    if (path.compare(0, mount.size(), mount) != 0) continue;
    if (path.size() == mount.size()) return false;  // the procfs root itself
    if (path[mount.size()] != '/') continue;
    const size_t start = mount.size() + 1;
    const size_t end = path.find('/', start);
    const std::string first = path.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (first.empty() || first.find_first_not_of("0123456789") != std::string::npos) return false;  // not a pid
    return is_own_thread(std::strtol(first.c_str(), nullptr, 10));
  }
  return true;  // on a procfs we cannot place: refuse
}

}  // namespace wb::wasi
