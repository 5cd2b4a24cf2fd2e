#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Start-up time of `wasm-bpf run` on a hello-world guest, against the same program built
# natively, measured with hyperfine. Goal: a mean wall time under 10 ms for the guest.
#
#   bench/startup/run.sh [--check] [hyperfine options...]
#
# Run from the repository root after a build (cmake --preset default && cmake --build
# --preset default): it uses build/src/cli/wasm-bpf and build/tests/wasi/guests/hello.wasm.
# BUILD_DIR=dir picks another build tree, GOAL_MS=n another goal. With --check the exit
# status is 1 when the mean is over the goal.
set -euo pipefail

cd "$(dirname "$0")/../.."
build=${BUILD_DIR:-build}
goal_ms=${GOAL_MS:-10}
check=0
if [[ ${1:-} == --check ]]; then
  check=1
  shift
fi

cli=$build/src/cli/wasm-bpf
guest=$build/tests/wasi/guests/hello.wasm
for f in "$cli" "$guest"; do
  if [[ ! -e $f ]]; then
    echo "bench/startup: $f not found; build first (cmake --preset default &&" \
         "cmake --build --preset default), or set BUILD_DIR" >&2
    exit 2
  fi
done
command -v hyperfine >/dev/null || { echo "bench/startup: hyperfine not installed (apt-get install hyperfine)" >&2; exit 2; }
python=$(command -v python3 || true)
[[ -n $python ]] || { echo "bench/startup: python3 not installed" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
native=$work/hello-native
"${CC:-cc}" -O2 -o "$native" bench/startup/hello.c

# Sanity: both print the same thing before they are timed.
if [[ $("$cli" run "$guest") != "hello, world" || $("$native") != "hello, world" ]]; then
  echo "bench/startup: the programs do not print 'hello, world'" >&2
  exit 1
fi

hyperfine --warmup 5 -N --export-json "$work/result.json" "$@" \
  -n "wasm-bpf run hello.wasm" "$cli run $guest" \
  -n "wasm-bpf version" "$cli version" \
  -n "native hello" "$native"

"$python" - "$work/result.json" "$goal_ms" "$check" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
goal_ms, check = float(sys.argv[2]), sys.argv[3] == "1"
def ms(name): return results[name]["mean"] * 1000
def sd(name): return (results[name]["stddev"] or 0) * 1000
guest = ms("wasm-bpf run hello.wasm")
print()
print("Start-up summary (mean wall time):")
for name in ("wasm-bpf run hello.wasm", "wasm-bpf version", "native hello"):
    print(f"  {name:<26} {ms(name):7.2f} ms  ± {sd(name):.2f}")
print(f"  loading and running the guest adds {guest - ms('wasm-bpf version'):.2f} ms to wasm-bpf's own start")
verdict = "met" if guest < goal_ms else "NOT met"
print(f"Goal: wasm-bpf run hello.wasm under {goal_ms:g} ms: {verdict} ({guest:.2f} ms)")
sys.exit(1 if check and guest >= goal_ms else 0)
PY
