#!/bin/bash
# SPDX-License-Identifier: MIT
# The engine's seam (docs/engine.md, "The seam"): code outside src/wasm sees modules,
# instances, functions, memories, tables, globals and traps through engine.h, host.h,
# module.h and types.h only. The classes there keep their data private (the compiler
# refuses any other use); their data and the store's internals live in objects.h, one of
# the internal headers (the runtime objects, the translated code, the tiers) that no file
# outside src/wasm may include. This test checks the includes, and that no file names a
# member of those classes or of objects.h (the engine's members end in `_`), so either tier
# can change without the rest of the project noticing. White-box tests of the translator
# may include code.h: they are listed below.
set -u
. "$(dirname "$0")/in_checkout.sh" "$1"
public='wasm/engine.h|wasm/host.h|wasm/module.h|wasm/types.h'
whitebox='tests/wasm/translator_test.cpp'
# The members a file declares: identifiers ending in `_` followed by `=`, `;`, `{` or `[`,
# not reached through `.` or `->` (`p->x_[0]` uses a member, it does not declare one).
declared() {
  grep -hoE '(^|[^>.a-z0-9_])[a-z][a-z0-9_]*_[[:space:]]*(=|;|\{|\[)' "$@" 2>/dev/null |
    grep -oE '[a-z][a-z0-9_]*_' | sort -u
}
members=$(declared src/wasm/engine.h src/wasm/objects.h)
[ -n "$(declared src/wasm/objects.h)" ] || { echo "FAIL: found no members in src/wasm/objects.h (did its conventions change?)"; exit 1; }
bad=0
while IFS= read -r f; do
  case $f in src/wasm/*) continue ;; *.cpp | *.h) ;; *) continue ;; esac
  [ -f "$f" ] || continue
  # Any spelling of an include of the engine's headers ("wasm/..." or <wasm/...>).
  if [ "$f" != "$whitebox" ]; then
    if inc=$(grep -nE '#[[:space:]]*include[[:space:]]*[<"]wasm/' "$f" | grep -vE "[<\"]($public)[>\"]"); then
      echo "FAIL: $f includes an internal header of the engine: $inc"
      bad=1
    fi
  fi
  # Every file, whether it includes the engine directly or through another header, except
  # for the members it declares itself (or its header does): a class of its own may have a
  # member of the same name.
  own=$(declared "$f" "${f%.*}.h")
  check=$(comm -23 <(echo "$members") <(echo "$own"))
  [ -n "$check" ] || continue
  pattern="(->|\\.)($(echo "$check" | paste -sd'|'))\\b"
  if use=$(grep -nE "$pattern" "$f"); then
    echo "FAIL: $f uses an engine-internal member:"
    echo "$use"
    bad=1
  fi
done < <(git ls-files --cached --others --exclude-standard)
[ "$bad" = 0 ] && echo "ok: nothing outside src/wasm reaches past the engine's public headers ($(echo "$members" | wc -l) internal members checked)"
exit "$bad"
