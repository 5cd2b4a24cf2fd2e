#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs, with apt-get, every Debian package the build, the tests, the examples and the
# benchmarks need. Idempotent: runs `apt-get update` only when a package is missing.
set -euo pipefail

PACKAGES=(
  # host build
  build-essential cmake ninja-build pkg-config git
  # packaging (cpack -G DEB runs dpkg-shlibdeps; tests/install checks the .deb)
  dpkg-dev
  libbpf-dev libelf-dev zlib1g-dev
  # the compiling tier assembles with xbyak (header-only: nothing more at run time)
  libxbyak-dev
  libcurl4-openssl-dev libssl-dev nlohmann-json3-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # guests: C/C++ to wasm32-wasi, BPF objects
  clang clang-14 lld lld-14 llvm-14 libclang-rt-14-dev wasi-libc libclang-rt-14-dev-wasm32 libc++-14-dev-wasm32
  libc++abi-14-dev-wasm32 bpftool linux-libc-dev
  # Rust guests (Debian's cargo/rustc, offline)
  rustc cargo libstd-rust-dev-wasm32
  # WebAssembly tools (wast2json for the spec suite, wasm-validate, objdump)
  wabt
  # OCI tests and interop, container engines (they pull the images `push --format image` makes)
  docker-registry skopeo apache2-utils openssl ca-certificates curl
  podman containerd runc buildah docker.io
  # tests and benchmarks
  iproute2 valgrind hyperfine python3 python3-yaml
  # the completion scripts `wasm-bpf completion zsh|fish` writes are parsed by their shells
  zsh fish
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup: done"
