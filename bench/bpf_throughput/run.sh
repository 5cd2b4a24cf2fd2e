#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs the eBPF event benchmarks (as root): ring-buffer throughput, and the start-up time of
# the bootstrap example under `wasm-bpf run` next to the same native libbpf program.
#   bench/bpf_throughput/run.sh [BUILD_DIR] [wb-bpf-bench options...]
# BUILD_DIR defaults to ./build; options: --records N --batch B --runs R --startup-runs S
set -eu
build=build
if [ $# -gt 0 ] && [ -d "$1" ]; then build=$1; shift; fi
bench="$build/bench/bpf_throughput/wb-bpf-bench"
if [ ! -x "$bench" ]; then
  echo "run.sh: $bench not found: build it first (cmake --build $build --target wb-bpf-bench)" >&2
  exit 1
fi
if [ ! -d /sys/kernel/tracing/events ] && [ ! -d /sys/kernel/debug/tracing/events ]; then
  mount -t tracefs tracefs /sys/kernel/tracing
fi
exec "$bench" "$@"
