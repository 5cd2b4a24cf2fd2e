#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the wasm-bpf container image (deploy/container/Containerfile) with buildah, offline,
# from the build tree: build/src/cli/wasm-bpf, the shared libraries it needs and those of the
# libraries it loads when it talks to registries (libcurl, libcrypto), and the CA
# certificates. Prints the image id.
#
#   scripts/build-image.sh [IMAGE]            default IMAGE: localhost/wasm-bpf:latest
#
# BUILD_DIR picks another build tree; BUILDAH_FLAGS adds buildah global options (e.g.
# "--root DIR --runroot DIR --storage-driver vfs").
set -euo pipefail
cd "$(dirname "$0")/.."
image=${1:-localhost/wasm-bpf:latest}
build=${BUILD_DIR:-build}
cli=$build/src/cli/wasm-bpf
[[ -x $cli ]] || { echo "build-image: $cli not found: build first" >&2; exit 2; }
command -v buildah >/dev/null || { echo "build-image: buildah is not installed (scripts/setup.sh)" >&2; exit 2; }

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
root=$ctx/rootfs
mkdir -p "$root/usr/bin" "$root/var/lib/wasm-bpf" "$root/tmp" "$root/etc/ssl/certs" "$root/sys/kernel/tracing"
chmod 1777 "$root/tmp"
cp "$cli" "$root/usr/bin/wasm-bpf"
strip "$root/usr/bin/wasm-bpf" 2>/dev/null || true

# A library path as ldconfig knows it (libcurl.so.4 -> /lib/x86_64-linux-gnu/libcurl.so.4).
# awk reads all of it (exiting early would kill ldconfig with SIGPIPE, which pipefail reports).
lib_path() { ldconfig -p | awk -v n="$1" '!found && $1 == n && /x86-64|x86_64|AArch64|aarch64/ { print $NF; found = 1 }'; }
copy() {  # a file at the path it is asked for, symlinks resolved (the image has no ld.so.cache)
  local f=$1
  [[ -e $root$f ]] && return 0
  mkdir -p "$root$(dirname "$f")"
  cp -L "$f" "$root$f"
}
deps=("$cli")
for name in libcurl.so.4 libcrypto.so.3; do
  p=$(lib_path "$name")
  [[ -n $p ]] || { echo "build-image: $name not found (libcurl4, libssl3)" >&2; exit 2; }
  deps+=("$p")
  copy "$p"
done
for d in "${deps[@]}"; do
  ldd "$d" | awk '/=> \// { print $3 } /^\t\/.*ld-linux/ { print $1 }' | while read -r lib; do copy "$lib"; done
done
cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"

# shellcheck disable=SC2086
buildah ${BUILDAH_FLAGS:-} bud --quiet --layers=false -f deploy/container/Containerfile -t "$image" "$ctx"
