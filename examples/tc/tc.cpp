// SPDX-License-Identifier: MIT
// tc: attaches a tc classifier to a network interface and prints the IPv4 packets passing
// through it. Written in C++ to show that guests can be: the SDK header, the skeleton and
// the layout header are valid C++ as well.
//
//   wasm-bpf run tc.wasm IFNAME [--egress] [-d SECONDS] [-c COUNT]
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

#include "tc.wasm.h"
#include "tc.skel.h"

namespace {

struct Options {
  std::string ifname;
  bool egress = false;
  long seconds = 0;
  long count = -1;
};

std::string ipv4(uint32_t be_addr) {
  const auto* b = reinterpret_cast<const unsigned char*>(&be_addr);
  return std::to_string(b[0]) + "." + std::to_string(b[1]) + "." + std::to_string(b[2]) + "." +
         std::to_string(b[3]);
}

const char* proto_name(unsigned p) {
  switch (p) {
    case 1: return "ICMP";
    case 6: return "TCP";
    case 17: return "UDP";
  }
  return "IP";
}

// What the poll callback needs; passed as its ctx.
struct Printer {
  const Options& options;
  long remaining;

  static int on_packet(void* ctx, void* data, size_t size) {
    auto* self = static_cast<Printer*>(ctx);
    if (size < sizeof(tc_packet) || self->remaining == 0) return 0;
    tc_packet p;
    std::memcpy(&p, data, sizeof p);
    std::printf("%s %s: %s %s -> %s ttl %u tot_len %u\n", self->options.ifname.c_str(),
                self->options.egress ? "egress" : "ingress", proto_name(p.ip_proto), ipv4(p.src_addr).c_str(),
                ipv4(p.dst_addr).c_str(), p.ttl, p.tot_len);
    if (self->remaining > 0) --self->remaining;
    return 0;
  }
};

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--egress") {
      o.egress = true;
    } else if (a == "-d" && i + 1 < argc) {
      o.seconds = std::strtol(argv[++i], nullptr, 10);
    } else if (a == "-c" && i + 1 < argc) {
      o.count = std::strtol(argv[++i], nullptr, 10);
    } else if (!a.empty() && a[0] != '-' && o.ifname.empty()) {
      o.ifname = a;
    } else {
      return false;
    }
  }
  return !o.ifname.empty();
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!parse(argc, argv, options)) {
    std::printf("USAGE: tc IFNAME [--egress] [-d SECONDS] [-c COUNT]\n"
                "Print the IPv4 packets arriving on (or, with --egress, leaving) IFNAME.\n");
    return 2;
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);

  tc_bpf* skel = tc_bpf__open_and_load();
  if (skel == nullptr) {
    std::fprintf(stderr, "tc: cannot load the BPF object: %s\n", std::strerror(errno));
    return 1;
  }
  // tc classifiers are attached to an interface: "IFNAME" (ingress) or "IFNAME:egress".
  const std::string target = options.ifname + (options.egress ? ":egress" : "");
  bpf_set_prog_attach_target(skel->progs.tc_ingress, target.c_str());
  int err = tc_bpf__attach(skel);
  bpf_buffer* buf = nullptr;
  Printer printer{options, options.count};
  if (err) {
    std::fprintf(stderr, "tc: cannot attach to %s: %s\n", target.c_str(), std::strerror(-err));
  } else if ((buf = bpf_buffer__open(skel->maps.packets, &Printer::on_packet, &printer)) == nullptr) {
    err = -errno;
    std::fprintf(stderr, "tc: cannot open the ring buffer: %s\n", std::strerror(errno));
  } else {
    std::printf("tc classifier attached to %s\n", target.c_str());
    const std::time_t end = options.seconds > 0 ? std::time(nullptr) + options.seconds : 0;
    while (printer.remaining != 0 && (end == 0 || std::time(nullptr) < end)) {
      err = bpf_buffer__poll(buf, 100);
      if (err < 0) {
        if (err != -EINTR) std::fprintf(stderr, "tc: poll failed: %s\n", std::strerror(-err));
        break;
      }
      err = 0;
    }
  }
  bpf_buffer__free(buf);
  tc_bpf__destroy(skel);
  return err < 0 ? 1 : 0;
}
