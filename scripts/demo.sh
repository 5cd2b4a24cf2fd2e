#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds wasm-bpf and the bootstrap example, then runs the example for a few seconds while
# starting some processes, so that their EXEC and EXIT lines show:
#   build/src/cli/wasm-bpf run --timeout 5s build/examples/bootstrap/bootstrap.wasm
# Loading BPF programs needs root: the run uses sudo when not already root.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

cmake --preset default
cmake --build --preset default -j2 --target wasm-bpf bootstrap

wasm_bpf=build/src/cli/wasm-bpf
module=build/examples/bootstrap/bootstrap.wasm
if [ ! -f "$module" ]; then
  echo "demo: $module was not built (the examples need clang-14 with the wasm32-wasi target);" >&2
  echo "demo: showing the command line instead." >&2
  "$wasm_bpf" --help
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

echo
echo "\$ $wasm_bpf run --timeout 5s $module"
# Some processes to watch: each starts (EXEC) and exits (EXIT, with its status and lifetime).
(
  sleep 1
  for i in 1 2 3; do
    sleep 0.$((i * 2))
    /bin/sh -c "exit $i" || true  # a non-zero status to show in the EXIT line
    ls / > /dev/null
  done
) &
status=0
$sudo "$wasm_bpf" run --timeout 5s "$module" || status=$?
wait
# 124: stopped by --timeout, which is how this demo ends.
if [ "$status" -ne 0 ] && [ "$status" -ne 124 ]; then
  exit "$status"
fi
