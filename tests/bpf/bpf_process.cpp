// SPDX-License-Identifier: MIT
#include "bpf_process.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

extern char** environ;

namespace wb::bpftest {

namespace fs = std::filesystem;

std::string wasm_bpf_binary() { return WB_CLI_BINARY; }
std::string guest(const std::string& name) { return std::string(WB_BPF_GUEST_DIR) + "/" + name + ".wasm"; }
std::string uprobe_target_binary() { return WB_UPROBE_TARGET_BINARY; }

std::string missing_privileges() {
  if (geteuid() != 0) return "not running as root (CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN and cgroup writes are needed)";
  if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) return "no kernel BTF at /sys/kernel/btf/vmlinux";
  if (access("/sys/kernel/tracing/events", F_OK) != 0 && access("/sys/kernel/debug/tracing/events", F_OK) != 0) {
    if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, nullptr) != 0 && errno != EBUSY)
      return std::string("cannot mount tracefs at /sys/kernel/tracing: ") + std::strerror(errno);
  }
  return "";
}

std::unique_ptr<wb::test::Process> start_guest(const std::string& module, const std::vector<std::string>& args,
                                               const std::vector<std::string>& run_flags,
                                               const wb::test::SpawnOptions& options) {
  std::vector<std::string> argv{"run"};
  argv.insert(argv.end(), run_flags.begin(), run_flags.end());
  argv.push_back(module);
  argv.insert(argv.end(), args.begin(), args.end());
  return wb::test::Process::start(wasm_bpf_binary(), argv, options);
}

std::string find_tool(const std::string& name) {
  for (const char* dir : {"/usr/sbin", "/sbin", "/usr/bin", "/bin", "/usr/local/sbin", "/usr/local/bin"}) {
    std::string p = std::string(dir) + "/" + name;
    if (access(p.c_str(), X_OK) == 0) return p;
  }
  return "";
}

wb::test::ProcessResult run(const std::string& tool, const std::vector<std::string>& args, int timeout_ms) {
  return wb::test::run_process(tool, args, timeout_ms);
}

bool eventually(const std::function<bool()>& pred, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::vector<std::string> lines_starting_with(const std::string& text, const std::string& prefix) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0) out.push_back(line);
  }
  return out;
}

// ---- BPF objects ---------------------------------------------------------------------------

BpfIds bpf_ids_of_process(pid_t pid) {
  BpfIds ids;
  const std::string dir = "/proc/" + std::to_string(pid) + "/fdinfo";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::ifstream in(entry.path());
    std::string line;
    bool is_link = false;
    uint32_t prog = 0, link = 0, map = 0;
    while (std::getline(in, line)) {
      auto value = [&](const char* key) -> uint32_t {
        return static_cast<uint32_t>(std::strtoul(line.c_str() + std::strlen(key), nullptr, 10));
      };
      if (line.rfind("link_type:", 0) == 0) is_link = true;
      if (line.rfind("link_id:", 0) == 0) link = value("link_id:");
      if (line.rfind("prog_id:", 0) == 0) prog = value("prog_id:");
      if (line.rfind("map_id:", 0) == 0) map = value("map_id:");
    }
    if (is_link && link) ids.links.insert(link);
    if (prog) ids.progs.insert(prog);
    if (map) ids.maps.insert(map);
  }
  return ids;
}

bool prog_exists(uint32_t id) {
  int fd = bpf_prog_get_fd_by_id(id);
  if (fd >= 0) {
    close(fd);
    return true;
  }
  return errno != ENOENT;  // anything but "no such id" counts as present (be conservative)
}

bool link_exists(uint32_t id) {
  int fd = bpf_link_get_fd_by_id(id);
  if (fd >= 0) {
    close(fd);
    return true;
  }
  return errno != ENOENT;
}

std::set<uint32_t> progs_named(const std::string& prefix) {
  std::set<uint32_t> ids;
  uint32_t id = 0;
  while (bpf_prog_get_next_id(id, &id) == 0) {
    int fd = bpf_prog_get_fd_by_id(id);
    if (fd < 0) continue;
    bpf_prog_info info{};
    uint32_t len = sizeof info;
    if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && std::string(info.name).rfind(prefix, 0) == 0) ids.insert(id);
    close(fd);
  }
  return ids;
}

// ---- bpftool -------------------------------------------------------------------------------

namespace {

// The top-level objects of a JSON array, with their top-level scalar fields (numbers and
// strings; nested values are skipped). Enough for bpftool's -j output.
std::vector<std::map<std::string, std::string>> json_objects(const std::string& text) {
  std::vector<std::map<std::string, std::string>> out;
  int depth = 0;
  std::string key, scalar;
  bool in_string = false, escape = false, want_value = false;
  std::string str;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (escape) {
        str += c;
        escape = false;
      } else if (c == '\\') {
        escape = true;
      } else if (c == '"') {
        in_string = false;
        if (depth == 2) {
          if (want_value) {
            out.back()[key] = str;
            want_value = false;
          } else {
            key = str;
          }
        }
      } else {
        str += c;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        str.clear();
        break;
      case '{':
      case '[':
        if (depth == 1 && c == '{') out.emplace_back();
        if (depth == 2) want_value = false;  // a nested value: skipped
        ++depth;
        break;
      case '}':
      case ']': --depth; break;
      case ':':
        if (depth == 2) want_value = true;
        break;
      case ',': break;
      default:
        if (depth == 2 && want_value && (std::isdigit(static_cast<unsigned char>(c)) || c == '-')) {
          size_t j = i;
          while (j < text.size() && (std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '-' || text[j] == '.')) ++j;
          out.back()[key] = text.substr(i, j - i);
          want_value = false;
          i = j - 1;
        } else if (depth == 2 && want_value && std::isalpha(static_cast<unsigned char>(c))) {
          want_value = false;  // true / false / null
        }
    }
  }
  return out;
}

}  // namespace

std::vector<BpftoolEntry> bpftool_show(const std::string& kind, std::string& error) {
  const std::string bpftool = find_tool("bpftool");
  if (bpftool.empty()) {
    error = "bpftool is not installed";
    return {};
  }
  auto r = run(bpftool, {"-j", kind, "show"});
  if (r.exit_code != 0) {
    error = "bpftool " + kind + " show: " + r.err;
    return {};
  }
  std::vector<BpftoolEntry> entries;
  for (auto& fields : json_objects(r.out)) {
    BpftoolEntry e;
    e.id = static_cast<uint32_t>(std::strtoul(fields["id"].c_str(), nullptr, 10));
    e.name = fields["name"];
    e.prog_id = static_cast<uint32_t>(std::strtoul(fields["prog_id"].c_str(), nullptr, 10));
    if (e.id) entries.push_back(e);
  }
  return entries;
}

std::string left_in_kernel(const BpfIds& ids) {
  std::string left, error;
  for (const auto& e : bpftool_show("prog", error))
    if (ids.progs.count(e.id)) left += " prog " + std::to_string(e.id) + " (" + e.name + ")";
  for (const auto& e : bpftool_show("link", error))
    if (ids.links.count(e.id) || ids.progs.count(e.prog_id))
      left += " link " + std::to_string(e.id) + " (prog " + std::to_string(e.prog_id) + ")";
  for (const auto& e : bpftool_show("map", error))
    if (ids.maps.count(e.id)) left += " map " + std::to_string(e.id) + " (" + e.name + ")";
  return error.empty() ? left : left + " [" + error + "]";
}

// ---- network -------------------------------------------------------------------------------

namespace {
std::atomic<int> g_counter{0};

std::string unique_suffix() { return std::to_string(getpid() % 1000000) + std::to_string(g_counter++ % 10); }
}  // namespace

VethPair::VethPair(const std::string& tag) {
  const std::string ip = find_tool("ip");
  if (ip.empty()) {
    error_ = "the ip tool (iproute2) is not installed";
    return;
  }
  // IFNAMSIZ is 16: tag (<= 3 chars) + up to 7 digits + 1 digit + a/b
  const std::string base = tag.substr(0, 3) + unique_suffix();
  a_ = base + "a";
  b_ = base + "b";
  run(ip, {"link", "del", a_});  // a leftover of a crashed run
  auto r = run(ip, {"link", "add", a_, "type", "veth", "peer", "name", b_});
  if (r.exit_code != 0) {
    error_ = "ip link add " + a_ + " type veth: " + r.err;
    return;
  }
  ok_ = true;
  for (const std::string& dev : {a_, b_}) {
    // No IPv6 autoconfiguration chatter on the test devices.
    std::ofstream(std::string("/proc/sys/net/ipv6/conf/") + dev + "/disable_ipv6") << "1";
    r = run(ip, {"link", "set", dev, "up"});
    if (r.exit_code != 0) {
      error_ = "ip link set " + dev + " up: " + r.err;
      ok_ = false;
      return;
    }
  }
}

VethPair::~VethPair() {
  if (a_.empty()) return;
  const std::string ip = find_tool("ip");
  if (!ip.empty()) run(ip, {"link", "del", a_});
}

std::string send_test_frames(const std::string& ifname, int count) {
  int s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
  if (s < 0) return std::string("socket(AF_PACKET): ") + std::strerror(errno);
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_ifindex = static_cast<int>(if_nametoindex(ifname.c_str()));
  sll.sll_protocol = htons(0x88b5);
  sll.sll_halen = ETH_ALEN;
  std::memset(sll.sll_addr, 0xff, ETH_ALEN);
  if (sll.sll_ifindex == 0) {
    close(s);
    return "no interface " + ifname;
  }
  unsigned char frame[64] = {};
  std::memset(frame, 0xff, 6);                                       // broadcast destination
  const unsigned char src[6] = {0x02, 0x77, 0x62, 0x74, 0x00, 0x01};  // locally administered
  std::memcpy(frame + 6, src, 6);
  frame[12] = 0x88;
  frame[13] = 0xb5;
  std::memcpy(frame + 14, "wasm-bpf test frame", 19);
  for (int i = 0; i < count; ++i) {
    frame[40] = static_cast<unsigned char>(i);
    if (sendto(s, frame, sizeof frame, 0, reinterpret_cast<sockaddr*>(&sll), sizeof sll) < 0) {
      std::string err = std::string("sendto ") + ifname + ": " + std::strerror(errno);
      close(s);
      return err;
    }
  }
  close(s);
  return "";
}

// ---- cgroups -------------------------------------------------------------------------------

namespace {
std::string cgroup2_mount() {
  std::ifstream in("/proc/self/mounts");
  std::string dev, dir, type, rest;
  while (in >> dev >> dir >> type) {
    std::getline(in, rest);
    if (type == "cgroup2") return dir;
  }
  return "";
}
}  // namespace

Cgroup::Cgroup() {
  const std::string root = cgroup2_mount();
  if (root.empty()) {
    error_ = "no cgroup v2 hierarchy is mounted";
    return;
  }
  path_ = root + "/wbtest-" + unique_suffix();
  rmdir(path_.c_str());
  if (mkdir(path_.c_str(), 0755) != 0) {
    error_ = "mkdir " + path_ + ": " + std::strerror(errno);
    path_.clear();
    return;
  }
  ok_ = true;
}

Cgroup::~Cgroup() {
  if (path_.empty()) return;
  // The children that joined it have exited; the kernel may take a moment to notice.
  eventually([&] { return rmdir(path_.c_str()) == 0 || errno == ENOENT; }, 2000);
}

std::string Cgroup::send_udp_from_inside(int count) const {
  int status_pipe[2];
  if (pipe2(status_pipe, O_CLOEXEC) != 0) return std::string("pipe2: ") + std::strerror(errno);
  pid_t child = fork();
  if (child < 0) return std::string("fork: ") + std::strerror(errno);
  if (child == 0) {
    // Only async-signal-safe calls from here on.
    close(status_pipe[0]);
    char err = 0;
    const std::string procs = path_ + "/cgroup.procs";
    int fd = open(procs.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, "0", 1) != 1) err = 1;
    if (fd >= 0) close(fd);
    if (err == 0) {
      int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      sockaddr_in to{};
      to.sin_family = AF_INET;
      to.sin_port = htons(9);  // discard
      to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      for (int i = 0; i < count; ++i) {
        if (sendto(s, "wasm-bpf", 8, 0, reinterpret_cast<sockaddr*>(&to), sizeof to) != 8) err = 2;
      }
      if (s >= 0) close(s);
    }
    if (write(status_pipe[1], &err, 1) != 1) _exit(3);
    _exit(0);
  }
  close(status_pipe[1]);
  char err = 9;
  if (read(status_pipe[0], &err, 1) != 1) err = 9;
  close(status_pipe[0]);
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (err == 1) return "cannot join " + path_;
  if (err == 2) return "sendto 127.0.0.1:9 failed";
  if (err != 0) return "the child died";
  return "";
}

// ---- files and processes -------------------------------------------------------------------

TempDir::TempDir() {
  char tmpl[] = "/tmp/wbbpf-XXXXXX";
  if (mkdtemp(tmpl) != nullptr) path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!path_.empty()) fs::remove_all(path_, ec);
}

int spawn_and_wait(const std::string& path, const std::vector<std::string>& args) {
  std::vector<char*> argv{const_cast<char*>(path.c_str())};
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, path.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -rc;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace wb::bpftest
