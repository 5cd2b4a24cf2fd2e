// SPDX-License-Identifier: MIT
#include "gen/btf_source.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <mutex>

namespace wb::gen {
namespace {

std::mutex g_log_mutex;
std::string g_log;
libbpf_print_fn_t g_previous = nullptr;

int capture_print(enum libbpf_print_level level, const char* fmt, va_list args) {
  if (level == LIBBPF_DEBUG) return 0;
  char line[1024];
  std::vsnprintf(line, sizeof line, fmt, args);
  std::lock_guard<std::mutex> lock(g_log_mutex);
  g_log += line;
  return 0;
}

}  // namespace

void BtfDeleter::operator()(btf* b) const { btf__free(b); }

Result<BtfPtr> load_btf(const std::string& path) {
  LibbpfLogCapture quiet;
  btf* b = btf__parse(path.c_str(), nullptr);
  if (b == nullptr) {
    const int err = errno;
    std::string why = err == ENOENT ? "it has no BTF (compile the BPF code with -g)" : std::strerror(err);
    return make_error("cannot read BTF from " + path + ": " + why);
  }
  return BtfPtr(b);
}

LibbpfLogCapture::LibbpfLogCapture() {
  {
    std::lock_guard<std::mutex> lock(g_log_mutex);
    g_log.clear();
  }
  g_previous = libbpf_set_print(capture_print);
}

LibbpfLogCapture::~LibbpfLogCapture() { libbpf_set_print(g_previous); }

std::string LibbpfLogCapture::last_line() const {
  std::lock_guard<std::mutex> lock(g_log_mutex);
  std::string s = g_log;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  auto nl = s.rfind('\n');
  return nl == std::string::npos ? s : s.substr(nl + 1);
}

}  // namespace wb::gen
