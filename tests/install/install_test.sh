#!/bin/bash
# SPDX-License-Identifier: MIT
# cmake --install and the .deb, checked as a user of them would (ctest install/*):
#   install_test.sh files|cmake-c|pkgconfig-cxx|guest|deb BUILD_DIR SOURCE_DIR CAPI_GUEST
# Each installs the build tree (stripped) into a fresh prefix and uses nothing but it.
set -u
what=$1 build=$2 src=$3 guest=$4
work=$(mktemp -d /tmp/wb-install-XXXXXX)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
fail() { echo "FAIL: $*" >&2; exit 1; }

install_tree() {
  cmake --install "$build" --prefix "$prefix" --strip > "$work/install.log" 2>&1 ||
    { cat "$work/install.log"; fail "cmake --install failed"; }
}

case $what in
files)
  install_tree
  libdir=$(cd "$prefix" && ls -d lib*/ lib/*-linux-gnu 2>/dev/null | head -1)
  for f in bin/wasm-bpf bin/wasm-bpf-runtime bin/btf2wit libexec/wasm-bpf/wasm-bpf-static include/wasm_bpf.h \
           share/wasm-bpf/sdk/c/include/libbpf-wasm.h share/wasm-bpf/sdk/c/include/libbpf-wasm-uapi.h \
           share/wasm-bpf/sdk/rust/Cargo.toml share/wasm-bpf/sdk/rust/src/lib.rs \
           share/wasm-bpf/deploy/kubernetes/runtimeclass.yaml share/doc/wasm-bpf/LICENSE share/doc/wasm-bpf/README.md \
           share/doc/wasm-bpf/docs/security.md share/man/man1/wasm-bpf.1 share/man/man1/wasm-bpf-run.1 \
           share/bash-completion/completions/wasm-bpf share/zsh/vendor-completions/_wasm-bpf \
           share/fish/vendor_completions.d/wasm-bpf.fish; do
    [ -e "$prefix/$f" ] || fail "$f is not installed"
  done
  ls "$prefix"/lib*/libwasm-bpf.so.0 > /dev/null 2>&1 || ls "$prefix"/lib/*/libwasm-bpf.so.0 > /dev/null 2>&1 ||
    fail "libwasm-bpf.so.0 is not installed"
  ls "$prefix"/lib*/cmake/WasmBpf/WasmBpfConfig.cmake "$prefix"/lib*/pkgconfig/wasm-bpf.pc > /dev/null ||
    fail "the CMake package or the pkg-config file is not installed"
  # Stripped: no symbol table, no DWARF.
  for b in bin/wasm-bpf bin/wasm-bpf-runtime libexec/wasm-bpf/wasm-bpf-static; do
    readelf -S "$prefix/$b" | grep -qE '\.symtab|\.debug_info' && fail "$b is not stripped"
  done
  size=$(stat -c %s "$prefix/bin/wasm-bpf")
  echo "installed bin/wasm-bpf: $size bytes (build tree: $(stat -c %s "$build/src/cli/wasm-bpf"))"
  [ "$size" -lt 20000000 ] || fail "bin/wasm-bpf is $size bytes"
  # The library exports the C API and nothing else.
  lib=$(ls "$prefix"/lib*/libwasm-bpf.so.0 "$prefix"/lib/*/libwasm-bpf.so.0 2>/dev/null | head -1)
  others=$(nm -D --defined-only "$lib" | awk '$2 ~ /[TDBRW]/ {print $3}' | grep -v '^wasm_bpf_' | grep -v '^WASM_BPF_0$' || true)
  [ -z "$others" ] || fail "libwasm-bpf exports more than the C API: $(echo $others | head -c 300)"
  nm -D --defined-only "$lib" | grep -q ' T wasm_bpf_guest_run' || fail "wasm_bpf_guest_run is not exported"
  # The installed programs run from there.
  "$prefix/bin/wasm-bpf" --version | grep -q . || fail "installed wasm-bpf --version"
  "$prefix/bin/wasm-bpf" run "$guest" echo installed > "$work/out" || true
  grep -qx 'arg installed' "$work/out" || fail "installed wasm-bpf did not run a module: $(cat "$work/out")"
  echo "PASS files"
  ;;
cmake-c)
  install_tree
  cmake -S "$src/examples/embed" -B "$work/embed" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_FLAGS=-Werror > "$work/log" 2>&1 || { cat "$work/log"; fail "configuring examples/embed against the install"; }
  cmake --build "$work/embed" > "$work/log" 2>&1 || { cat "$work/log"; fail "building examples/embed against the install"; }
  grep -rq "$build" "$work/embed/CMakeCache.txt" && fail "examples/embed used the build tree"
  out=$("$work/embed/embed" "$guest" echo one < /dev/null); rc=$?
  [ $rc -eq 3 ] || fail "embed exited $rc: $out"
  [ "$out" = "$(printf '[capi_guest.wasm] arg one\n[capi_guest.wasm] env (none)\n[capi_guest.wasm] stdin \n[capi_guest.wasm] stdin bytes 0')" ] ||
    fail "embed printed: $out"
  echo "PASS cmake-c"
  ;;
pkgconfig-cxx)
  install_tree
  pc=$(dirname "$(ls "$prefix"/lib*/pkgconfig/wasm-bpf.pc "$prefix"/lib/*/pkgconfig/wasm-bpf.pc 2>/dev/null | head -1)")
  flags=$(PKG_CONFIG_PATH=$pc pkg-config --cflags --libs wasm-bpf) || fail "pkg-config --cflags --libs wasm-bpf"
  echo "pkg-config: $flags"
  case $flags in *"$prefix"*) ;; *) fail "pkg-config flags do not point into the prefix: $flags" ;; esac
  libdir=$(PKG_CONFIG_PATH=$pc pkg-config --variable=libdir wasm-bpf)
  # shellcheck disable=SC2086
  g++ -std=c++17 -Wall -Wextra -Werror "$src/tests/install/consumer.cpp" $flags -Wl,-rpath,"$libdir" -o "$work/consumer" ||
    fail "building a C++ program with pkg-config"
  out=$("$work/consumer" "$guest") || fail "consumer failed: $out"
  expected="library $(grep -m1 -o 'project(wasm-bpf VERSION [0-9.]*' "$src/CMakeLists.txt" | cut -d' ' -f3), api 1, exit 4
arg from
arg c++
env installed
stdin "
  [ "${out%%stdin*}" = "${expected%%stdin*}" ] || fail "consumer printed: $out"
  echo "PASS pkgconfig-cxx"
  ;;
guest)
  install_tree
  cmake -S "$src/tests/install/guest_project" -B "$work/guest" -DCMAKE_PREFIX_PATH="$prefix" \
    -DWB_EXAMPLE_DIR="$src/examples/bootstrap" > "$work/log" 2>&1 || { cat "$work/log"; fail "configuring a guest project"; }
  grep -q "WASM_BPF_EXECUTABLE:FILEPATH=$prefix/bin/wasm-bpf" "$work/guest/CMakeCache.txt" ||
    fail "the guest project does not use the installed wasm-bpf"
  cmake --build "$work/guest" > "$work/log" 2>&1 || { cat "$work/log"; fail "building a guest against the install"; }
  [ -s "$work/guest/bootstrap.wasm" ] || fail "no bootstrap.wasm"
  "$prefix/bin/wasm-bpf" inspect "$work/guest/bootstrap.wasm" > "$work/inspect" 2>&1 || { cat "$work/inspect"; fail "inspect"; }
  grep -q "handle_exec" "$work/inspect" || fail "inspect does not show the guest's programs: $(cat "$work/inspect")"
  echo "PASS guest"
  ;;
deb)
  command -v dpkg-shlibdeps > /dev/null || { echo "SKIP: dpkg-shlibdeps (dpkg-dev) is not installed"; exit 0; }
  (cd "$work" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work/pkg" > "$work/log" 2>&1) ||
    { cat "$work/log"; fail "cpack -G DEB"; }
  deb=$(ls "$work"/pkg/*.deb) || fail "no .deb"
  echo "package: $(basename "$deb") $(stat -c %s "$deb") bytes"
  depends=$(dpkg-deb -f "$deb" Depends)
  echo "Depends: $depends"
  for p in libc6 libcurl4 libssl3; do
    echo "$depends" | grep -qw "$p" || fail "Depends lacks $p"
  done
  dpkg-deb -c "$deb" > "$work/contents"
  for f in ./usr/bin/wasm-bpf ./usr/bin/wasm-bpf-runtime ./usr/include/wasm_bpf.h ./usr/share/doc/wasm-bpf/LICENSE \
           ./usr/share/man/man1/wasm-bpf-run.1 ./usr/share/bash-completion/completions/wasm-bpf; do
    grep -q " $f\$" "$work/contents" || fail "$f is not in the package"
  done
  grep -qE ' \./usr/lib/.*libwasm-bpf\.so\.0 ' "$work/contents" || fail "libwasm-bpf.so.0 is not in the package"
  # Every library a program of the package links (NEEDED) belongs to a package it depends on.
  dpkg-deb -x "$deb" "$work/root"
  for elf in "$work"/root/usr/bin/* "$work"/root/usr/lib/*/libwasm-bpf.so.0* "$work"/root/usr/lib/libwasm-bpf.so.0*; do
    [ -f "$elf" ] && [ ! -L "$elf" ] || continue
    for needed in $(readelf -d "$elf" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
      case $needed in ld-linux*) continue ;; esac  # the dynamic loader: libc6, checked above
      lib=$(LD_LIBRARY_PATH="$work/root/usr/lib" ldd "$elf" | awk -v n="$needed" '$1 == n && $3 ~ /^\// {print $3}')
      [ -n "$lib" ] || fail "$(basename "$elf") needs $needed, which is not found"
      case $lib in "$work"/*) continue ;; esac
      pkg=$(dpkg -S "$(readlink -f "$lib")" 2>/dev/null | head -1 | cut -d: -f1)
      [ -n "$pkg" ] || pkg=$(dpkg -S "$lib" 2>/dev/null | head -1 | cut -d: -f1)
      [ -n "$pkg" ] || fail "$(basename "$elf") needs $lib, which no package owns"
      echo "$depends" | grep -qw "$pkg" || fail "$(basename "$elf") needs $lib from $pkg, not in Depends: $depends"
      echo "  $(basename "$elf"): $needed from $pkg"
    done
  done
  LD_LIBRARY_PATH="$work/root/usr/lib" "$work/root/usr/bin/wasm-bpf" run "$guest" echo deb > "$work/out" || true
  grep -qx 'arg deb' "$work/out" || fail "the packaged wasm-bpf did not run a module"
  echo "PASS deb"
  ;;
*) fail "unknown check $what" ;;
esac
