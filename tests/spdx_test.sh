#!/bin/bash
# SPDX-License-Identifier: MIT
# Every source file of the repository says its license in its first lines (SPDX), and the
# license it names exists: MIT (LICENSE), or for BPF programs "GPL-2.0-only OR MIT" (the
# kernel lets only GPL-compatible programs call most tracing helpers).
set -u
. "$(dirname "$0")/in_checkout.sh" "$1"
[ -f LICENSE ] && grep -q '^MIT License' LICENSE || { echo "FAIL: no MIT LICENSE file"; exit 1; }
bad=0
while IFS= read -r f; do
  case $f in
    *.cpp | *.h | *.c | *.rs | *.wat | *.cmake | */CMakeLists.txt | CMakeLists.txt | *.sh | *.toml | *.yaml | *.in | *.def | \
      .ci/run | */Containerfile) ;;
    *) continue ;;
  esac
  [ -f "$f" ] || continue
  line=$(head -3 "$f" | grep -o "SPDX-License-Identifier: .*" | head -1 | sed "s, \*/\$,,")
  want="SPDX-License-Identifier: MIT"
  case $f in *.bpf.c) want="SPDX-License-Identifier: GPL-2.0-only OR MIT" ;; esac
  case $f in *.pc.in) continue ;; esac
  if [ "$line" != "$want" ]; then
    echo "FAIL: $f: ${line:-no SPDX-License-Identifier in its first 3 lines} (want '$want')"
    bad=1
  fi
done < <(git ls-files --cached --others --exclude-standard)
[ $bad -eq 0 ] && echo "PASS: every source file has its SPDX line"
exit $bad
