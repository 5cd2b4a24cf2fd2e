#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What running a module by reference from the local store costs over running the file:
# `wasm-bpf run FILE` against `wasm-bpf run --pull never REF`, measured with hyperfine.
# Goal: the reference adds under 5 ms to the mean.
#
#   bench/oci_run/run.sh [--check] [hyperfine options...]
#
# Run from the repository root after a build: it uses build/src/cli/wasm-bpf (BUILD_DIR=dir
# picks another build tree, GOAL_MS=n another goal). It assembles bench/oci_run/hello.wat with
# wat2wasm, starts docker-registry on 127.0.0.1 with its data in a temporary directory, pushes
# the module and pulls it into a temporary store (WASM_BPF_STORE), stops the registry (the
# timed runs are offline) and times both commands. With --check the exit status is 1 when the
# difference is over the goal.
set -euo pipefail

cd "$(dirname "$0")/../.."
build=${BUILD_DIR:-build}
goal_ms=${GOAL_MS:-5}
check=0
if [[ ${1:-} == --check ]]; then
  check=1
  shift
fi

cli=$build/src/cli/wasm-bpf
[[ -x $cli ]] || { echo "bench/oci_run: $cli not found; build first, or set BUILD_DIR" >&2; exit 2; }
for tool in hyperfine wat2wasm docker-registry python3 curl; do
  command -v "$tool" >/dev/null || { echo "bench/oci_run: $tool not installed (scripts/setup.sh installs it)" >&2; exit 2; }
done

work=$(mktemp -d)
registry_pid=""
cleanup() {
  if [[ -n $registry_pid ]]; then kill "$registry_pid" 2>/dev/null || true; wait "$registry_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

module=$work/hello.wasm
wat2wasm bench/oci_run/hello.wat -o "$module"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$work/registry.yml" <<YAML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $work/registry-data
http:
  addr: 127.0.0.1:$port
YAML
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
registry_pid=$!
for _ in $(seq 100); do
  curl -fs "http://127.0.0.1:$port/v2/" >/dev/null && break
  sleep 0.05
done

export WASM_BPF_STORE=$work/store
ref=127.0.0.1:$port/bench/hello:v1
"$cli" push "$module" "$ref" >/dev/null
"$cli" pull "$ref" >/dev/null
kill "$registry_pid"; wait "$registry_pid" 2>/dev/null || true; registry_pid=""

# Sanity: both print the same thing before they are timed.
if [[ $("$cli" run "$module") != "hello from the store" || $("$cli" run --pull never "$ref") != "hello from the store" ]]; then
  echo "bench/oci_run: the runs do not print 'hello from the store'" >&2
  exit 1
fi

hyperfine --warmup 10 -N --export-json "$work/result.json" "$@" \
  -n "run FILE" "$cli run $module" \
  -n "run --pull never REF" "$cli run --pull never $ref"

python3 - "$work/result.json" "$goal_ms" "$check" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
goal_ms, check = float(sys.argv[2]), sys.argv[3] == "1"
def ms(name): return results[name]["mean"] * 1000
def sd(name): return (results[name]["stddev"] or 0) * 1000
extra = ms("run --pull never REF") - ms("run FILE")
print()
print("run from the store (mean wall time):")
for name in ("run FILE", "run --pull never REF"):
    print(f"  {name:<22} {ms(name):7.2f} ms  ± {sd(name):.2f}")
verdict = "met" if extra < goal_ms else "NOT met"
print(f"Goal: the reference adds under {goal_ms:g} ms: {verdict} ({extra:+.2f} ms)")
sys.exit(1 if check and extra >= goal_ms else 0)
PY
