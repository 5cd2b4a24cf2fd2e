#!/bin/bash
# SPDX-License-Identifier: MIT
# The engine's seam (docs/engine.md, "The seam"): code outside src/wasm sees modules,
# instances, functions, memories, tables, globals and traps through engine.h, host.h,
# module.h and types.h only. It includes none of the engine's internal headers (the
# translated code, the tiers) and touches no member of engine.h's classes (the engine's own
# members end in `_`), so either tier can change without the rest of the project noticing.
# White-box tests of the translator may include code.h: they are listed below.
set -u
src=$1
cd "$src" || exit 1
if ! git rev-parse --is-inside-work-tree > /dev/null 2>&1; then
  echo "SKIP: not a git checkout (the file list comes from git ls-files)"
  exit 0
fi
public='wasm/engine.h|wasm/host.h|wasm/module.h|wasm/types.h'
whitebox='tests/wasm/translator_test.cpp'
# The members engine.h declares (identifiers ending in `_` followed by `=`, `;`, `{` or `[`).
members=$(grep -oE '\b[a-z][a-z0-9_]*_\s*(=|;|\{|\[)' src/wasm/engine.h | grep -oE '^[a-z][a-z0-9_]*_' | sort -u)
[ -n "$members" ] || { echo "FAIL: found no members in src/wasm/engine.h (did its conventions change?)"; exit 1; }
pattern="(->|\\.)($(echo "$members" | paste -sd'|'))\\b"
bad=0
while IFS= read -r f; do
  case $f in src/wasm/*) continue ;; *.cpp | *.h) ;; *) continue ;; esac
  [ -f "$f" ] || continue
  grep -q '"wasm/' "$f" || continue  # does not use the engine at all
  if [ "$f" != "$whitebox" ]; then
    if inc=$(grep -nE '#include "wasm/' "$f" | grep -vE "\"($public)\""); then
      echo "FAIL: $f includes an internal header of the engine: $inc"
      bad=1
    fi
  fi
  if use=$(grep -nE "$pattern" "$f"); then
    echo "FAIL: $f uses an engine-internal member:"
    echo "$use"
    bad=1
  fi
done < <(git ls-files --cached --others --exclude-standard)
[ "$bad" = 0 ] && echo "ok: nothing outside src/wasm reaches past the engine's public headers ($(echo "$members" | wc -l) internal members checked)"
exit "$bad"
