#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds wasm-bpf and runs the whole test suite with ctest.
#
#   scripts/test.sh                 # configure build/ if needed, build, run every test
#   scripts/test.sh -R ^cli/        # extra arguments go to ctest (here: only the CLI tests)
#
# Uses the build tree build/ of the `default` CMake preset. If build/ is already configured
# (for instance by `cmake --preset ci`, as .ci/run does), that configuration is kept.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

if [ ! -f build/CMakeCache.txt ]; then
  cmake --preset default
fi
cmake --build --preset default -j2
ctest --preset default "$@"
