// SPDX-License-Identifier: MIT
#include "bpf/bpf_host.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <mutex>
#include <vector>

#include "bpf/attach.h"
#include "bpf/guest_errno.h"
#include "bpf/load_diagnosis.h"
#include "bpf/object_check.h"
#include "bpf/object_facts.h"
#include "bpf/policy.h"
#include "bpf/poller.h"
#include "wasm/host.h"

namespace wb::bpf {

using wasm::Function;
using wasm::HostContext;
using wasm::HostResult;
using wasm::Memory;

namespace {

constexpr size_t kMaxObjectSize = 256u << 20;
constexpr size_t kMaxNameLength = 4096;

// wasm_bpf_map_operate commands (the bpf(2) command numbers, as in the other runtimes).
constexpr int32_t kMapLookup = 1, kMapUpdate = 2, kMapDelete = 3, kMapGetNextKey = 4;

bool g_verbose = false;
// libbpf's messages: kept for the diagnosis of a failed load (load_diagnosis.h) and shown
// with --verbose (the guest gets the error codes). Debug-level messages are only shown.
int print_libbpf(enum libbpf_print_level level, const char* fmt, va_list args) {
  if (level != LIBBPF_DEBUG) {
    va_list copy;
    va_copy(copy, args);
    char buf[4096];
    const int n = std::vsnprintf(buf, sizeof buf, fmt, copy);
    va_end(copy);
    if (n >= static_cast<int>(sizeof buf)) {  // a verifier log: the whole of it
      std::string big(static_cast<size_t>(n) + 1, '\0');
      va_copy(copy, args);
      std::vsnprintf(big.data(), big.size(), fmt, copy);
      va_end(copy);
      LibbpfLog::append(big.c_str());
    } else if (n > 0) {
      LibbpfLog::append(buf);
    }
  }
  if (!g_verbose) return 0;
  return std::vfprintf(stderr, fmt, args);
}

// What the kernel accepts as an object name prefix: [A-Za-z0-9_], at most 15 characters.
std::string sanitized_object_name(const std::string& name) {
  std::string out;
  for (char c : name) {
    if (out.size() == 15) break;
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    out += ok ? c : '_';
  }
  return out.empty() ? "guest" : out;
}

// libbpf finds tracepoint ids, and creates legacy kprobe/uprobe events, through tracefs.
// Many systems mount it only on first use (as perf and bpftool do): so does wasm-bpf, the
// first time a guest loads an object, when this process may mount.
void ensure_tracefs(bool verbose) {
  static std::once_flag once;
  std::call_once(once, [verbose] {
    // EACCES: mounted, but only root may look inside (this process is not root).
    for (const char* events : {"/sys/kernel/tracing/events", "/sys/kernel/debug/tracing/events"}) {
      if (access(events, F_OK) == 0 || errno == EACCES) return;
    }
    if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, nullptr) == 0) {
      if (verbose) std::fprintf(stderr, "wasm-bpf: mounted tracefs on /sys/kernel/tracing\n");
    } else if (verbose) {
      std::fprintf(stderr, "wasm-bpf: tracefs is not mounted and mounting it failed (%s): tracepoint programs cannot attach\n",
                   std::strerror(errno));
    }
  });
}

// What map operations need to know about a map, read once at load (not per operation).
struct MapInfo {
  bpf_map_type type = BPF_MAP_TYPE_UNSPEC;
  uint32_t key_size = 0;
  size_t value_size = 0;  // as bpf(2) reads and writes it: per-CPU maps hold one slot per CPU
};

struct Object {
  bpf_object* obj = nullptr;
  uint64_t map_bytes = 0;  // what its maps count against BpfHostOptions::max_map_bytes
  std::vector<Attachment> attachments;
  std::map<int, std::unique_ptr<Poller>> pollers;  // by map fd: every ring buffer and perf event array
  std::map<int, MapInfo> maps;                     // by map fd
  int poll_depth = 0;    // polls of this object running (a callback may poll again)
  bool closing = false;  // closed from inside one of them: freed when the outermost returns

  ~Object() {
    pollers.clear();
    attachments.clear();  // each detaches
    if (obj) bpf_object__close(obj);
  }
};

bool is_per_cpu(bpf_map_type t) {
  return t == BPF_MAP_TYPE_PERCPU_ARRAY || t == BPF_MAP_TYPE_PERCPU_HASH || t == BPF_MAP_TYPE_LRU_PERCPU_HASH ||
         t == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
}

std::string format_bytes(uint64_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

bool is_callback_type(const wasm::FuncType& t) {
  using wasm::ValType;
  return t.params.size() == 3 && t.results.size() == 1 && t.params[0] == ValType::I32 &&
         t.params[1] == ValType::I32 && t.params[2] == ValType::I32 && t.results[0] == ValType::I32;
}

}  // namespace

struct BpfHost::Impl {
  BpfHostOptions opts;
  std::map<uint64_t, std::unique_ptr<Object>> objects;
  // Objects the guest closed from inside one of their own polls: links already detached,
  // buffers still being consumed; freed when that poll returns.
  std::vector<std::unique_ptr<Object>> closed_while_polling;
  uint64_t next_handle = 1;

  uint64_t map_bytes_in_use() const {
    uint64_t total = 0;
    for (const auto& [h, o] : objects) total += o->map_bytes;
    for (const auto& o : closed_while_polling) total += o->map_bytes;
    return total;
  }

  ~Impl() { close_all(); }

  void close_all() {
    objects.clear();
    closed_while_polling.clear();
  }

  Object* find(uint64_t handle) {
    auto it = objects.find(handle);
    return it == objects.end() ? nullptr : it->second.get();
  }
  // Guests may only touch the maps of their own open objects.
  const MapInfo* map_info(int fd) {
    for (auto& [h, o] : objects) {
      auto it = o->maps.find(fd);
      if (it != o->maps.end()) return &it->second;
    }
    return nullptr;
  }

  int64_t load(HostContext& ctx, uint32_t buf, uint32_t len) {
    Memory* m = ctx.memory();
    if (m == nullptr || len == 0 || len > kMaxObjectSize) return 0;
    const uint8_t* p = m->span(buf, len);
    if (p == nullptr) return 0;
    // Read the bytes now: skeletons patch .rodata in the guest's copy just before loading.
    std::vector<uint8_t> copy(p, p + len);
    // What libbpf would trust blindly (and crash or hang on) is checked first.
    if (std::string bad = check_bpf_object(copy); !bad.empty()) {
      report({"the guest gave a malformed BPF object: " + bad});
      return 0;
    }
    if (opts.max_objects != 0 && objects.size() >= opts.max_objects) {
      report({"BPF object refused: the guest has " + std::to_string(objects.size()) +
              " objects open, the most it may (--max-bpf-objects)"});
      return 0;
    }
    ensure_tracefs(opts.verbose);
    LibbpfLog log;
    LIBBPF_OPTS(bpf_object_open_opts, oo);
    // Without a name libbpf names the object after the buffer's address, and its maps
    // show up in bpftool as "55fa9cd7.rodata".
    const std::string name = sanitized_object_name(opts.object_name);
    oo.object_name = name.c_str();
    auto o = std::make_unique<Object>();
    o->obj = bpf_object__open_mem(copy.data(), copy.size(), &oo);
    if (o->obj == nullptr) {
      report(explain_open_failure(errno ? errno : EINVAL, log.text(), opts.verbose));
      return 0;
    }
    // Maps declared with LIBBPF_PIN_BY_NAME would be pinned under /sys/fs/bpf, outliving the
    // guest, or, if a pinned map of that name exists, replaced by it: another tool's map in
    // the guest's hands. The guest's maps are its own and go with it: no pinning.
    bpf_map* map;
    bpf_object__for_each_map(map, o->obj) {
      if (bpf_map__pin_path(map) != nullptr) {
        if (opts.verbose)
          std::fprintf(stderr, "wasm-bpf: map '%s' is not pinned (guest maps are private)\n", bpf_map__name(map));
        bpf_map__set_pin_path(map, nullptr);
      }
    }
    // What the programs would do: checked against the policy before anything is loaded.
    const ObjectFacts facts = object_facts(o->obj, copy);
    // Register offsets compiled for another architecture would read the wrong registers.
    if (const std::string host = host_bpf_arch(); !facts.arch.empty() && facts.arch != host) {
      report({"BPF object '" + name + "' was built for " + facts.arch + " (its programs read " + facts.arch +
              " registers, struct pt_regs) but this machine is " + host + ": build the module for " + host});
      return 0;
    }
    if (const std::vector<Refusal> refused = check_policy(facts, opts.policy); !refused.empty()) {
      std::vector<std::string> lines = {"BPF object '" + name + "' refused by the policy of what modules may do:"};
      std::set<std::string> flags;
      for (const Refusal& r : refused) {
        lines.push_back("  " + r.what + " (allow with " + r.allow + ")");
        flags.insert(r.allow);
      }
      std::string all, annotations;
      for (const std::string& f : flags) {
        all += " " + f;
        // "--allow-program xdp" -> "io.wasm-bpf.allow-program=xdp"
        annotations += std::string(annotations.empty() ? "" : ", ") + "io.wasm-bpf." + f.substr(2, f.find(' ') - 2) +
                       "=" + f.substr(f.find(' ') + 1);
      }
      if (std::getenv("WASM_BPF_IN_CONTAINER") != nullptr)
        lines.push_back("to run it anyway, trusting it with that, give the container the annotation " + annotations +
                        " (podman/docker run --annotation, or a Kubernetes pod annotation)");
      else
        lines.push_back("to run it anyway, trusting it with that: wasm-bpf run" + all + " ...");
      report(lines);
      return 0;
    }
    // Kernel memory: checked before the maps exist (a 4 KB object can ask for a 1 GiB ring).
    const uint64_t cpus = static_cast<uint64_t>(std::max(libbpf_num_possible_cpus(), 1));
    const bpf_map* largest = nullptr;
    uint64_t largest_bytes = 0;
    bpf_object__for_each_map(map, o->obj) {
      const uint64_t b = map_memory(map, cpus);
      o->map_bytes += b;
      if (b >= largest_bytes) {
        largest = map;
        largest_bytes = b;
      }
    }
    if (opts.max_map_bytes != 0 && map_bytes_in_use() + o->map_bytes > opts.max_map_bytes) {
      report({"BPF object '" + name + "' refused: its maps would take " + format_bytes(o->map_bytes) +
              " of kernel memory (the largest: '" + std::string(largest ? bpf_map__name(largest) : "?") + "', " +
              format_bytes(largest_bytes) + "), the guest's objects " + format_bytes(map_bytes_in_use()) +
              " already, over its limit of " + format_bytes(opts.max_map_bytes) + " (--max-map-memory)"});
      return 0;
    }
    int err = bpf_object__load(o->obj);
    if (err && opts.interrupt.stop_requested()) {
      // Signals sent to end the guest cut the verifier short: not the object's fault.
      report({"loading BPF object '" + name + "' was cut short: the guest is being stopped"});
      return 0;
    }
    if (err) {
      report(explain_load_failure(-err, name, o->obj, log.text(), Privileges::of_this_process(), opts.verbose));
      return 0;
    }
    const int ncpu = libbpf_num_possible_cpus();
    bpf_object__for_each_map(map, o->obj) {
      int fd = bpf_map__fd(map);
      if (fd < 0) continue;
      MapInfo mi;
      mi.type = bpf_map__type(map);
      mi.key_size = bpf_map__key_size(map);
      mi.value_size = bpf_map__value_size(map);
      if (is_per_cpu(mi.type)) mi.value_size = (mi.value_size + 7) / 8 * 8 * static_cast<size_t>(ncpu > 0 ? ncpu : 1);
      o->maps.emplace(fd, mi);
      if (mi.type == BPF_MAP_TYPE_RINGBUF || mi.type == BPF_MAP_TYPE_PERF_EVENT_ARRAY)
        o->pollers.emplace(fd, std::make_unique<Poller>(fd, mi.type, opts.verbose));
    }
    uint64_t h = next_handle++;
    objects.emplace(h, std::move(o));
    return static_cast<int64_t>(h);
  }

  void report(const std::vector<std::string>& lines) const {
    for (const std::string& line : lines) {
      if (opts.diagnostic) opts.diagnostic(line);
      else std::fprintf(stderr, "wasm-bpf: %s\n", line.c_str());
    }
  }

  int32_t attach(HostContext& ctx, uint64_t handle, uint32_t name_ptr, std::optional<uint32_t> target_ptr,
                 std::optional<int> target_fd) {
    Memory* m = ctx.memory();
    if (m == nullptr) return guest_err(EFAULT);
    Object* o = find(handle);
    if (o == nullptr) return guest_err(EBADF);
    auto name = m->c_string(name_ptr, kMaxNameLength);
    if (!name) return guest_err(EFAULT);
    std::string_view target;
    if (target_ptr && *target_ptr != 0) {
      auto t = m->c_string(*target_ptr, kMaxNameLength);
      if (!t) return guest_err(EFAULT);
      target = *t;
    }
    bpf_program* prog = bpf_object__find_program_by_name(o->obj, std::string(*name).c_str());
    if (prog == nullptr) return guest_err(ENOENT);
    Attachment a;
    int32_t r;
    if (target_fd && *target_fd >= 0) {
      std::optional<int> host = opts.host_fd_of_guest_fd ? opts.host_fd_of_guest_fd(*target_fd) : std::nullopt;
      r = host ? attach_program_to_cgroup_fd(prog, *host, a) : guest_err(EBADF);
    } else {
      r = attach_program(prog, target, opts.open_guest_dir, a);
    }
    if (r < 0) return r;
    o->attachments.push_back(std::move(a));
    return 0;
  }

  int32_t map_fd_by_name(HostContext& ctx, uint64_t handle, uint32_t name_ptr) {
    Memory* m = ctx.memory();
    if (m == nullptr) return guest_err(EFAULT);
    Object* o = find(handle);
    if (o == nullptr) return guest_err(EBADF);
    auto name = m->c_string(name_ptr, kMaxNameLength);
    if (!name) return guest_err(EFAULT);
    int fd = bpf_object__find_map_fd_by_name(o->obj, std::string(*name).c_str());
    return fd < 0 ? guest_err(ENOENT) : fd;
  }

  HostResult<int32_t> poll(HostContext& ctx, uint64_t handle, int32_t map_fd, Function* callback, uint32_t cb_ctx,
                           uint32_t data, uint32_t max_size, int32_t timeout_ms) {
    Memory* m = ctx.memory();
    if (m == nullptr) return guest_err(EFAULT);
    Object* o = find(handle);
    if (o == nullptr) return guest_err(EBADF);
    auto it = o->pollers.find(map_fd);
    if (it == o->pollers.end()) return guest_err(o->maps.count(map_fd) ? EINVAL : EBADF);
    // The callback must be the guest's own code: a host function (a WASI import placed in
    // the table) would run without the guest's memory.
    if (callback == nullptr || callback->is_host() || !is_callback_type(callback->type())) return guest_err(EINVAL);
    uint8_t* data_host = max_size == 0 ? nullptr : m->span(data, max_size);
    if (data_host == nullptr) return guest_err(EFAULT);

    Poller::Call call;
    call.ctx = &ctx;
    call.callback = callback;
    call.cb_ctx = cb_ctx;
    call.data = data;
    call.data_host = data_host;
    call.max_size = max_size;
    call.timeout_ms = timeout_ms;
    // The object must outlive this poll even if a callback closes it.
    struct Depth {
      Impl& impl;
      Object* o;
      ~Depth() {
        if (--o->poll_depth == 0 && o->closing) impl.release_closed(o);
      }
    } depth{*this, o};
    ++o->poll_depth;
    return it->second->poll(call, opts.interrupt, opts.stop_request, o->closing);
  }

  int32_t close(uint64_t handle) {
    auto it = objects.find(handle);
    if (it == objects.end()) return guest_err(EBADF);
    std::unique_ptr<Object> o = std::move(it->second);
    objects.erase(it);  // the handle and the object's maps are dead to the guest from now on
    if (o->poll_depth > 0) {
      // Called from a poll callback of this object: its buffer is being consumed right now.
      // Detach at once (the contract), free the rest when the outermost poll returns.
      for (auto& a : o->attachments) a.detach();
      o->closing = true;
      closed_while_polling.push_back(std::move(o));
    }
    return 0;
  }

  void release_closed(Object* o) {
    for (auto it = closed_while_polling.begin(); it != closed_while_polling.end(); ++it) {
      if (it->get() == o) {
        closed_while_polling.erase(it);
        return;
      }
    }
  }

  int32_t map_operate(HostContext& ctx, int32_t fd, int32_t cmd, uint32_t key, uint32_t value, uint32_t next_key,
                      uint64_t flags) {
    Memory* m = ctx.memory();
    if (m == nullptr) return guest_err(EFAULT);
    const MapInfo* mi = map_info(fd);
    if (mi == nullptr) return guest_err(EBADF);
    // Maps without keys (queue, stack, bloom filter: key_size 0) take a null key: the
    // kernel refuses any other. The guest's key pointer is then ignored.
    uint8_t* k = nullptr;
    if (mi->key_size && cmd != kMapGetNextKey) {
      k = m->span(key, mi->key_size);
      if (k == nullptr) return guest_err(EFAULT);
    }
    auto value_ptr = [&](uint8_t*& v) {
      v = mi->value_size ? m->span(value, mi->value_size) : nullptr;
      return mi->value_size == 0 || v != nullptr;
    };
    uint8_t* v = nullptr;
    switch (cmd) {
      case kMapLookup:  // queue / stack: peek (the kernel's BPF_MAP_LOOKUP_ELEM)
        if (!value_ptr(v)) return guest_err(EFAULT);
        return bpf_map_lookup_elem_flags(fd, k, v, flags) == 0 ? 0 : guest_err(errno);
      case kMapUpdate:  // queue / stack: push (BPF_EXIST replaces the oldest when full)
        if (!value_ptr(v)) return guest_err(EFAULT);
        return bpf_map_update_elem(fd, k, v, flags) == 0 ? 0 : guest_err(errno);
      case kMapDelete: {
        int r = flags ? bpf_map_delete_elem_flags(fd, k, flags) : bpf_map_delete_elem(fd, k);
        return r == 0 ? 0 : guest_err(errno);
      }
      case kMapGetNextKey: {  // key 0 means "the first key"
        uint8_t* nk = nullptr;
        if (mi->key_size) {
          if (key != 0 && (k = m->span(key, mi->key_size)) == nullptr) return guest_err(EFAULT);
          if ((nk = m->span(next_key, mi->key_size)) == nullptr) return guest_err(EFAULT);
        }
        return bpf_map_get_next_key(fd, k, nk) == 0 ? 0 : guest_err(errno);
      }
    }
    return guest_err(EINVAL);
  }
};

BpfHost::BpfHost(BpfHostOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->opts = std::move(options);
  g_verbose = impl_->opts.verbose;
  libbpf_set_print(print_libbpf);
}

BpfHost::~BpfHost() = default;

void BpfHost::close_all() { impl_->close_all(); }
size_t BpfHost::object_count() const { return impl_->objects.size(); }

void BpfHost::define(wasm::Store& store, wasm::Imports& imports) {
  Impl* self = impl_.get();
  const std::string mod = "wasm_bpf";
  auto def = [&](const std::string& module, const char* name, auto fn) {
    imports.add(module, name, wasm::define_host(store, module + "." + name, std::move(fn)));
  };
  def(mod, "wasm_load_bpf_object", [self](HostContext& ctx, uint32_t buf, uint32_t len) -> int64_t {
    return self->load(ctx, buf, len);
  });
  def(mod, "wasm_attach_bpf_program", [self](HostContext& ctx, uint64_t obj, uint32_t name, uint32_t target) -> int32_t {
    return self->attach(ctx, obj, name, target, std::nullopt);
  });
  def(mod, "wasm_attach_bpf_program_fd", [self](HostContext& ctx, uint64_t obj, uint32_t name, int32_t fd) -> int32_t {
    return self->attach(ctx, obj, name, std::nullopt, fd);
  });
  def(mod, "wasm_bpf_map_fd_by_name", [self](HostContext& ctx, uint64_t obj, uint32_t name) -> int32_t {
    return self->map_fd_by_name(ctx, obj, name);
  });
  def(mod, "wasm_bpf_buffer_poll", [self](HostContext& ctx, uint64_t obj, int32_t map_fd, uint32_t sample_func, uint32_t cb_ctx,
                                          uint32_t data, uint32_t max_size, int32_t timeout) -> HostResult<int32_t> {
    // The callback is resolved through the caller's table at every call (it may change).
    Function* cb = ctx.caller() ? ctx.caller()->table_function(0, sample_func) : nullptr;
    return self->poll(ctx, obj, map_fd, cb, cb_ctx, data, max_size, timeout);
  });
  def(mod, "wasm_bpf_map_operate", [self](HostContext& ctx, int32_t fd, int32_t cmd, uint32_t key, uint32_t value,
                                          uint32_t next_key, uint64_t flags) -> int32_t {
    return self->map_operate(ctx, fd, cmd, key, value, next_key, flags);
  });
  def(mod, "wasm_close_bpf_object", [self](HostContext&, uint64_t obj) -> int32_t { return self->close(obj); });
  // Go / TinyGo: the callback is an export of the guest instead of a table entry.
  def(self->opts.go_callback_module, "wasm_bpf_buffer_poll",
      [self](HostContext& ctx, uint64_t obj, int32_t map_fd, uint32_t cb_ctx, uint32_t data, uint32_t max_size,
             int32_t timeout) -> HostResult<int32_t> {
        Function* cb = ctx.caller() ? ctx.caller()->function(self->opts.go_callback_export) : nullptr;
        return self->poll(ctx, obj, map_fd, cb, cb_ctx, data, max_size, timeout);
      });
}

}  // namespace wb::bpf
