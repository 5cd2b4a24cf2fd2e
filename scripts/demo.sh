#!/usr/bin/env bash
# Builds wasm-bpf and runs it on a bundled example.
#
# TODO(eBPF host): once the runtime and examples/ land, this builds examples/bootstrap and runs
#   sudo build/src/cli/wasm-bpf run examples/bootstrap/bootstrap.wasm -d 5
# Until then it shows what the command line looks like: the top-level help and the version.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

cmake --preset default
cmake --build --preset default -j2 --target wasm-bpf

wasm_bpf=build/src/cli/wasm-bpf
echo
echo "\$ $wasm_bpf --help"
"$wasm_bpf" --help
echo "\$ $wasm_bpf version"
"$wasm_bpf" version
