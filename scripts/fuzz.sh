#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the libFuzzer targets with clang-14 (build-fuzz/) and runs each for SECONDS seconds
# (default 60):
#   wb-load-fuzzer        the engine, seeded with every binary module of the spec test suite;
#   wb-diff-fuzzer        the interpreter and the compiling tier on the same modules (same
#                         seeds): results, traps, memory and globals must agree;
#   wb-bpf-object-fuzzer  the BPF object checks and libbpf's open, seeded with the BPF objects
#                         of the main build (build/, when it exists).
# Exits non-zero if a fuzzer finds a crash, a leak or a hang (the input is left in
# build-fuzz/artifacts/). WB_SPEC_SUITE overrides where the spec suite is (default
# ../shared/wasm-spec-testsuite, beside the checkout; a git worktree elsewhere needs it).
#
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
suite=${WB_SPEC_SUITE:-../shared/wasm-spec-testsuite}

CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DWB_FUZZ=ON -DWB_BUILD_TESTS=OFF -DWB_BUILD_BENCH=OFF >/dev/null
cmake --build build-fuzz -j2 --target wb-load-fuzzer wb-diff-fuzzer wb-bpf-object-fuzzer

corpus=build-fuzz/corpus
mkdir -p "$corpus" build-fuzz/artifacts
if [ -d "$suite" ]; then
  tmp=$(mktemp -d)
  for f in "$suite"/*.wast; do
    case "$(basename "$f")" in simd_*) continue ;; esac
    wast2json "$f" -o "$tmp/$(basename "$f" .wast).json" >/dev/null 2>&1 || true
  done
  cp "$tmp"/*.wasm "$corpus"/ 2>/dev/null || true
  rm -rf "$tmp"
  echo "fuzz: seeded with $(ls "$corpus" | wc -l) modules from the spec suite"
else
  echo "fuzz: $suite not found; starting from an empty corpus"
fi

# Not under `set -e`: a failing fuzzer must reach the message below (with pipefail, the
# failed pipeline would otherwise end the script first).
run_fuzzer() {
  local name=$1 corpus=$2
  set +e
  "build-fuzz/fuzz/$name" "$corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
    -artifact_prefix=build-fuzz/artifacts/ -print_final_stats=1 2>&1 | tail -n 25
  local status=${PIPESTATUS[0]}
  set -e
  if [ "$status" -ne 0 ]; then
    echo "fuzz: $name FAILED (exit $status); reproducer in build-fuzz/artifacts/"
    exit "$status"
  fi
  echo "fuzz: $name: no crash in ${seconds}s"
}
run_fuzzer wb-load-fuzzer "$corpus"
diff_corpus=build-fuzz/diff-corpus
mkdir -p "$diff_corpus"
cp -n "$corpus"/*.wasm "$diff_corpus"/ 2>/dev/null || true
run_fuzzer wb-diff-fuzzer "$diff_corpus"

bpf_corpus=build-fuzz/bpf-corpus
mkdir -p "$bpf_corpus"
if [ -d build ]; then
  find build -name '*.bpf.o' -size -256k -exec cp {} "$bpf_corpus"/ \; 2>/dev/null || true
fi
echo "fuzz: BPF objects seeded with $(ls "$bpf_corpus" | wc -l) objects"
run_fuzzer wb-bpf-object-fuzzer "$bpf_corpus"
