# SPDX-License-Identifier: MIT
# Sourced by the tests that take their file list from git (spdx_test.sh, engine_seam_test.sh):
# enters the source tree given as the first argument, and skips the test (exit 0 with a
# message) when that tree is not a git checkout, as in an unpacked source archive.
cd "$1" || exit 1
if ! git rev-parse --is-inside-work-tree > /dev/null 2>&1; then
  echo "SKIP: not a git checkout (the file list comes from git ls-files)"
  exit 0
fi
