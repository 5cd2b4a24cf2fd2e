// SPDX-License-Identifier: MIT
// A C++ program built against an installed wasm-bpf with pkg-config only (tests/install):
// runs a guest with a host function of its own and prints what the guest printed.
#include <wasm_bpf.h>

#include <cstdio>
#include <memory>
#include <string>

namespace {

// The C API's guest as a C++ owner.
using Guest = std::unique_ptr<wasm_bpf_guest, decltype(&wasm_bpf_guest_delete)>;

int fail(const char* what) {
  std::fprintf(stderr, "consumer: %s: %s\n", what, wasm_bpf_last_error());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  wasm_bpf_guest* raw = nullptr;
  if (wasm_bpf_guest_new_from_file(argv[1], &raw) != WASM_BPF_OK) return fail("new");
  Guest guest(raw, &wasm_bpf_guest_delete);
  const char* args[] = {"echo", "from", "c++"};
  std::string out;
  if (wasm_bpf_guest_set_args(guest.get(), 3, args) != WASM_BPF_OK) return fail("args");
  if (wasm_bpf_guest_set_output(
          guest.get(), 1, [](void* user, const char* data, size_t size) { static_cast<std::string*>(user)->append(data, size); },
          &out) != WASM_BPF_OK)
    return fail("output");
  if (wasm_bpf_guest_add_env(guest.get(), "GREETING=installed") != WASM_BPF_OK) return fail("env");
  wasm_bpf_result r{};
  if (wasm_bpf_guest_run(guest.get(), &r) != WASM_BPF_OK) return fail("run");
  std::printf("library %s, api %d, exit %d\n%s", wasm_bpf_version(), wasm_bpf_api_version(), r.exit_status, out.c_str());
  return 0;
}
