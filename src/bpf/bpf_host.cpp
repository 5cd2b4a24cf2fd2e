#include "bpf/bpf_host.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <vector>

#include "wasi/errno.h"
#include "wasm/host.h"

namespace wb::bpf {

using wasm::Function;
using wasm::HostContext;
using wasm::HostResult;
using wasm::Memory;
using wasm::Trap;
using wasm::TrapKind;
using wasm::Value;

namespace {

constexpr int kPollSliceMs = 20;
constexpr size_t kMaxObjectSize = 256u << 20;

// A negative errno in the guest's (WASI) numbering.
int32_t guest_err(int host_errno) { return -static_cast<int32_t>(wasi::errno_from_host(host_errno)); }

bool g_verbose = false;
// libbpf's messages: shown with --verbose only (the guest gets the error codes).
int print_libbpf(enum libbpf_print_level, const char* fmt, va_list args) {
  if (!g_verbose) return 0;
  return std::vfprintf(stderr, fmt, args);
}

// Something attached that must be undone: a libbpf link, a tc filter, or a socket holding a
// socket filter.
struct Attachment {
  bpf_link* link = nullptr;
  bool tc = false;
  bpf_tc_hook tc_hook{};
  bpf_tc_opts tc_opts{};
  bool tc_hook_created = false;
  int socket_fd = -1;

  void detach() {
    if (link) bpf_link__destroy(link);
    link = nullptr;
    if (tc) {
      tc_opts.flags = tc_opts.prog_fd = tc_opts.prog_id = 0;
      bpf_tc_detach(&tc_hook, &tc_opts);
      if (tc_hook_created) {
        tc_hook.attach_point = static_cast<bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS);
        bpf_tc_hook_destroy(&tc_hook);
      }
      tc = false;
    }
    if (socket_fd >= 0) ::close(socket_fd);
    socket_fd = -1;
  }
};

struct Poller;

struct Object {
  bpf_object* obj = nullptr;
  std::vector<Attachment> attachments;
  std::map<int, std::unique_ptr<Poller>> pollers;  // by map fd
  std::set<int> map_fds;
};

// Delivers records to the guest: each record is copied into guest memory and passed to the
// guest callback synchronously, in order.
struct Poller {
  ring_buffer* rb = nullptr;
  perf_buffer* pb = nullptr;
  // Set for the duration of one poll call.
  HostContext* ctx = nullptr;
  Memory* mem = nullptr;
  Function* callback = nullptr;
  uint32_t cb_ctx = 0, data = 0, max_size = 0;
  std::optional<Trap> trap;
  int32_t guest_status = 0;
  int delivered = 0;

  ~Poller() {
    if (rb) ring_buffer__free(rb);
    if (pb) perf_buffer__free(pb);
  }

  int deliver(const void* record, size_t size) {
    if (trap || guest_status != 0) return -1;  // stop after a trap or a guest error
    uint32_t n = static_cast<uint32_t>(std::min<size_t>(size, max_size));
    if (!mem->write(data, record, n)) {
      guest_status = guest_err(EFAULT);
      return -1;
    }
    // The callback's type was checked when the poll started: (i32, i32, i32) -> i32.
    uint64_t args[3] = {cb_ctx, data, n};
    uint64_t result = 0;
    if (auto t = ctx->call_raw(callback, args, &result)) {
      trap = std::move(*t);
      return -1;
    }
    ++delivered;
    int32_t status = static_cast<int32_t>(static_cast<uint32_t>(result));
    if (status != 0) {
      guest_status = status < 0 ? status : 0;
      return status < 0 ? -1 : 0;
    }
    return 0;
  }

  static int on_ring_record(void* self, void* data, size_t size) {
    return static_cast<Poller*>(self)->deliver(data, size);
  }
  static void on_perf_record(void* self, int, void* data, __u32 size) {
    static_cast<Poller*>(self)->deliver(data, size);
  }
  static void on_perf_lost(void*, int cpu, __u64 count) {
    if (g_verbose) std::fprintf(stderr, "wasm-bpf: lost %llu perf events on CPU %d\n", static_cast<unsigned long long>(count), cpu);
  }
};

int program_attach_ifindex(const char* target) {
  std::string name(target);
  if (auto colon = name.find(':'); colon != std::string::npos) name.resize(colon);
  unsigned idx = if_nametoindex(name.c_str());
  return idx == 0 ? -ENODEV : static_cast<int>(idx);
}

}  // namespace

struct BpfHost::Impl {
  BpfHostOptions opts;
  std::map<uint64_t, Object> objects;
  uint64_t next_handle = 1;

  ~Impl() { close_all(); }

  void close_object(Object& o) {
    o.pollers.clear();
    for (auto& a : o.attachments) a.detach();
    o.attachments.clear();
    if (o.obj) bpf_object__close(o.obj);
    o.obj = nullptr;
  }
  void close_all() {
    for (auto& [h, o] : objects) close_object(o);
    objects.clear();
  }

  Object* find(uint64_t handle) {
    auto it = objects.find(handle);
    return it == objects.end() ? nullptr : &it->second;
  }
  // The object that owns map fd `fd`, or nullptr: guests may only touch their own maps.
  bool owns_map_fd(int fd) {
    for (auto& [h, o] : objects)
      if (o.map_fds.count(fd)) return true;
    return false;
  }
  static Memory* memory(HostContext& ctx) { return ctx.memory(); }

  int64_t load(HostContext& ctx, uint32_t buf, uint32_t len) {
    Memory* m = memory(ctx);
    if (m == nullptr || len == 0 || len > kMaxObjectSize) return 0;
    const uint8_t* p = m->span(buf, len);
    if (p == nullptr) return 0;
    // Read the bytes now: skeletons patch .rodata in the guest's copy just before loading.
    std::vector<uint8_t> copy(p, p + len);
    LIBBPF_OPTS(bpf_object_open_opts, oo);
    bpf_object* obj = bpf_object__open_mem(copy.data(), copy.size(), &oo);
    if (obj == nullptr) {
      if (opts.verbose) std::fprintf(stderr, "wasm-bpf: cannot open BPF object: %s\n", std::strerror(errno));
      return 0;
    }
    int err = bpf_object__load(obj);
    if (err) {
      if (opts.verbose) std::fprintf(stderr, "wasm-bpf: cannot load BPF object: %s\n", std::strerror(-err));
      bpf_object__close(obj);
      return 0;
    }
    Object o;
    o.obj = obj;
    bpf_map* map;
    bpf_object__for_each_map(map, obj) {
      int fd = bpf_map__fd(map);
      if (fd >= 0) o.map_fds.insert(fd);
    }
    uint64_t h = next_handle++;
    objects.emplace(h, std::move(o));
    return static_cast<int64_t>(h);
  }

  int32_t attach(HostContext& ctx, uint64_t handle, uint32_t name_ptr, std::optional<uint32_t> target_ptr,
                 std::optional<int> target_fd) {
    Memory* m = memory(ctx);
    if (m == nullptr) return guest_err(EFAULT);
    Object* o = find(handle);
    if (o == nullptr) return guest_err(EBADF);
    auto name = m->c_string(name_ptr, 4096);
    if (!name) return guest_err(EFAULT);
    std::string target;
    if (target_ptr && *target_ptr != 0) {
      auto t = m->c_string(*target_ptr, 4096);
      if (!t) return guest_err(EFAULT);
      target = std::string(*t);
    }
    bpf_program* prog = bpf_object__find_program_by_name(o->obj, std::string(*name).c_str());
    if (prog == nullptr) return guest_err(ENOENT);
    Attachment a;
    bpf_prog_type type = bpf_program__type(prog);
    int prog_fd = bpf_program__fd(prog);
    bool cgroup_type = type == BPF_PROG_TYPE_CGROUP_SKB || type == BPF_PROG_TYPE_CGROUP_SOCK ||
                       type == BPF_PROG_TYPE_SOCK_OPS || type == BPF_PROG_TYPE_CGROUP_DEVICE ||
                       type == BPF_PROG_TYPE_CGROUP_SOCK_ADDR || type == BPF_PROG_TYPE_CGROUP_SYSCTL ||
                       type == BPF_PROG_TYPE_CGROUP_SOCKOPT;
    if (target_fd && *target_fd >= 0) {
      if (!cgroup_type) return guest_err(EINVAL);
      std::optional<int> host = opts.host_fd_of_guest_fd ? opts.host_fd_of_guest_fd(*target_fd) : std::nullopt;
      if (!host) return guest_err(EBADF);
      a.link = bpf_program__attach_cgroup(prog, *host);
      if (a.link == nullptr) return guest_err(errno);
    } else if (target.empty()) {
      a.link = bpf_program__attach(prog);
      if (a.link == nullptr) return guest_err(errno);
    } else if (type == BPF_PROG_TYPE_XDP) {
      int ifindex = program_attach_ifindex(target.c_str());
      if (ifindex < 0) return guest_err(-ifindex);
      a.link = bpf_program__attach_xdp(prog, ifindex);
      if (a.link == nullptr) return guest_err(errno);
    } else if (cgroup_type) {
      int cg = ::open(target.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (cg < 0) return guest_err(errno);
      a.link = bpf_program__attach_cgroup(prog, cg);
      int saved = errno;
      ::close(cg);
      if (a.link == nullptr) return guest_err(saved);
    } else if (type == BPF_PROG_TYPE_SCHED_CLS) {
      int ifindex = program_attach_ifindex(target.c_str());
      if (ifindex < 0) return guest_err(-ifindex);
      bool egress = target.size() > 7 && target.compare(target.size() - 7, 7, ":egress") == 0;
      const char* sec = bpf_program__section_name(prog);
      if (sec && std::strstr(sec, "egress")) egress = true;
      a.tc = true;
      a.tc_hook.sz = sizeof(a.tc_hook);
      a.tc_hook.ifindex = ifindex;
      a.tc_hook.attach_point = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS;
      int err = bpf_tc_hook_create(&a.tc_hook);
      if (err && err != -EEXIST) return guest_err(-err);
      a.tc_hook_created = err == 0;
      a.tc_opts.sz = sizeof(a.tc_opts);
      a.tc_opts.prog_fd = prog_fd;
      err = bpf_tc_attach(&a.tc_hook, &a.tc_opts);
      if (err) {
        if (a.tc_hook_created) {
          a.tc_hook.attach_point = static_cast<bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS);
          bpf_tc_hook_destroy(&a.tc_hook);
        }
        return guest_err(-err);
      }
    } else if (type == BPF_PROG_TYPE_SOCKET_FILTER) {
      int ifindex = program_attach_ifindex(target.c_str());
      if (ifindex < 0) return guest_err(-ifindex);
      int s = ::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
      if (s < 0) return guest_err(errno);
      sockaddr_ll sll{};
      sll.sll_family = AF_PACKET;
      sll.sll_ifindex = ifindex;
      sll.sll_protocol = htons(ETH_P_ALL);
      if (::bind(s, reinterpret_cast<sockaddr*>(&sll), sizeof sll) != 0 ||
          ::setsockopt(s, SOL_SOCKET, SO_ATTACH_BPF, &prog_fd, sizeof prog_fd) != 0) {
        int saved = errno;
        ::close(s);
        return guest_err(saved);
      }
      a.socket_fd = s;
    } else {
      a.link = bpf_program__attach(prog);  // other types: the section name decides
      if (a.link == nullptr) return guest_err(errno);
    }
    o->attachments.push_back(a);
    return 0;
  }

  int32_t map_fd_by_name(HostContext& ctx, uint64_t handle, uint32_t name_ptr) {
    Memory* m = memory(ctx);
    if (m == nullptr) return guest_err(EFAULT);
    Object* o = find(handle);
    if (o == nullptr) return guest_err(EBADF);
    auto name = m->c_string(name_ptr, 4096);
    if (!name) return guest_err(EFAULT);
    int fd = bpf_object__find_map_fd_by_name(o->obj, std::string(*name).c_str());
    return fd < 0 ? guest_err(ENOENT) : fd;
  }

  HostResult<int32_t> poll(HostContext& ctx, uint64_t handle, int32_t map_fd, Function* callback, uint32_t cb_ctx,
                           uint32_t data, uint32_t max_size, int32_t timeout_ms) {
    Memory* m = memory(ctx);
    if (m == nullptr) return guest_err(EFAULT);
    Object* o = find(handle);
    if (o == nullptr) return guest_err(EBADF);
    if (!o->map_fds.count(map_fd)) return guest_err(EBADF);
    if (callback == nullptr) return guest_err(EINVAL);
    const wasm::FuncType& ct = callback->type();
    if (ct.params.size() != 3 || ct.results.size() != 1 || ct.params[0] != wasm::ValType::I32 ||
        ct.params[1] != wasm::ValType::I32 || ct.params[2] != wasm::ValType::I32 || ct.results[0] != wasm::ValType::I32)
      return guest_err(EINVAL);
    if (max_size == 0 || !m->in_bounds(data, max_size)) return guest_err(EFAULT);
    auto& slot = o->pollers[map_fd];
    if (!slot) {
      auto p = std::make_unique<Poller>();
      bpf_map_info info{};
      __u32 len = sizeof info;
      if (bpf_obj_get_info_by_fd(map_fd, &info, &len) != 0) {
        o->pollers.erase(map_fd);
        return guest_err(errno);
      }
      if (info.type == BPF_MAP_TYPE_RINGBUF) {
        p->rb = ring_buffer__new(map_fd, &Poller::on_ring_record, p.get(), nullptr);
      } else if (info.type == BPF_MAP_TYPE_PERF_EVENT_ARRAY) {
        p->pb = perf_buffer__new(map_fd, 64, &Poller::on_perf_record, &Poller::on_perf_lost, p.get(), nullptr);
      } else {
        o->pollers.erase(map_fd);
        return guest_err(EINVAL);
      }
      if (!p->rb && !p->pb) {
        int saved = errno;
        o->pollers.erase(map_fd);
        return guest_err(saved);
      }
      slot = std::move(p);
    }
    Poller& p = *slot;
    p.ctx = &ctx;
    p.mem = m;
    p.callback = callback;
    p.cb_ctx = cb_ctx;
    p.data = data;
    p.max_size = max_size;
    p.trap.reset();
    p.guest_status = 0;
    p.delivered = 0;
    int epfd = p.rb ? ring_buffer__epoll_fd(p.rb) : perf_buffer__epoll_fd(p.pb);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max(timeout_ms, 0));
    for (;;) {
      int r = p.rb ? ring_buffer__consume(p.rb) : perf_buffer__consume(p.pb);
      if (p.trap) return std::move(*p.trap);
      if (p.guest_status < 0) return p.guest_status;
      if (r < 0 && p.delivered == 0) return guest_err(-r);
      if (p.delivered > 0) return p.delivered;
      if (opts.interrupt.stop_requested()) return Trap{TrapKind::Interrupted, "interrupted", "", 0};
      int wait = kPollSliceMs;
      if (timeout_ms >= 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        if (left <= 0) return 0;
        wait = static_cast<int>(std::min<int64_t>(left, kPollSliceMs));
      }
      pollfd pfd{epfd, POLLIN, 0};
      ::poll(&pfd, 1, wait);
    }
  }

  int32_t map_operate(HostContext& ctx, int32_t fd, int32_t cmd, uint32_t key, uint32_t value, uint32_t next_key,
                      uint64_t flags) {
    Memory* m = memory(ctx);
    if (m == nullptr) return guest_err(EFAULT);
    if (!owns_map_fd(fd)) return guest_err(EBADF);
    bpf_map_info info{};
    __u32 len = sizeof info;
    if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0) return guest_err(errno);
    size_t value_size = info.value_size;
    if (info.type == BPF_MAP_TYPE_PERCPU_ARRAY || info.type == BPF_MAP_TYPE_PERCPU_HASH ||
        info.type == BPF_MAP_TYPE_LRU_PERCPU_HASH || info.type == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE) {
      int ncpu = libbpf_num_possible_cpus();
      if (ncpu <= 0) return guest_err(EIO);
      value_size = ((value_size + 7) / 8 * 8) * static_cast<size_t>(ncpu);
    }
    auto ptr = [&](uint32_t off, size_t size) -> uint8_t* { return m->span(off, size); };
    switch (cmd) {
      case 1: {  // lookup
        uint8_t* k = ptr(key, info.key_size);
        uint8_t* v = ptr(value, value_size);
        if ((info.key_size && !k) || !v) return guest_err(EFAULT);
        return bpf_map_lookup_elem_flags(fd, k, v, flags) == 0 ? 0 : guest_err(errno);
      }
      case 2: {  // update
        uint8_t* k = ptr(key, info.key_size);
        uint8_t* v = ptr(value, value_size);
        if ((info.key_size && !k) || !v) return guest_err(EFAULT);
        return bpf_map_update_elem(fd, k, v, flags) == 0 ? 0 : guest_err(errno);
      }
      case 3: {  // delete
        uint8_t* k = ptr(key, info.key_size);
        if (info.key_size && !k) return guest_err(EFAULT);
        int r = flags ? bpf_map_delete_elem_flags(fd, k, flags) : bpf_map_delete_elem(fd, k);
        return r == 0 ? 0 : guest_err(errno);
      }
      case 4: {  // get next key; key 0 means "the first key"
        uint8_t* k = key == 0 ? nullptr : ptr(key, info.key_size);
        uint8_t* nk = ptr(next_key, info.key_size);
        if ((key != 0 && !k) || !nk) return guest_err(EFAULT);
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
  def(mod, "wasm_close_bpf_object", [self](HostContext&, uint64_t obj) -> int32_t {
    auto it = self->objects.find(obj);
    if (it == self->objects.end()) return guest_err(EBADF);
    self->close_object(it->second);
    self->objects.erase(it);
    return 0;
  });
  // Go / TinyGo: the callback is an export of the guest instead of a table entry.
  def(self->opts.go_callback_module, "wasm_bpf_buffer_poll",
      [self](HostContext& ctx, uint64_t obj, int32_t map_fd, uint32_t cb_ctx, uint32_t data, uint32_t max_size,
             int32_t timeout) -> HostResult<int32_t> {
        Function* cb = ctx.caller() ? ctx.caller()->function(self->opts.go_callback_export) : nullptr;
        return self->poll(ctx, obj, map_fd, cb, cb_ctx, data, max_size, timeout);
      });
}

}  // namespace wb::bpf
