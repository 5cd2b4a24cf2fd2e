# SPDX-License-Identifier: MIT
# WasmBpf.cmake: build wasm-bpf guests (an eBPF program plus its wasm32-wasi user space) with
# one call:
#
#   include(WasmBpf)
#   wasm_bpf_add_example(bootstrap
#     BPF bootstrap.bpf.c                 # the BPF program (CO-RE, includes "vmlinux.h")
#     SOURCES bootstrap.c                 # the guest: C or C++ (.cc/.cpp/.cxx), or instead
#     [RUST_CRATE dir]                    # a Rust crate (see below)
#     [HEADERS_FROM_BTF bootstrap.h ...]  # headers whose structs/unions/enums the guest reads
#     [BTF_TYPES "struct event" ...]      # or name the types (also typedef names)
#     [INCLUDE_DIRS dir ...]              # for both the BPF program and the guest
#     [BPF_DEFINES NAME=VALUE ...]        # -D for the BPF program
#     [COMPILE_OPTIONS opt ...]           # extra options for the guest sources
#     [OUTPUT_NAME name])                 # NAME.wasm by default
#
# makes target NAME, which builds, in the current binary directory:
#   vmlinux.h      once per build tree, from WASM_BPF_VMLINUX_BTF (default /sys/kernel/btf/vmlinux)
#                  by `wasm-bpf gen vmlinux`, or copied from WASM_BPF_VMLINUX_H
#   X.bpf.o        clang -g -O2 -target bpf, DWARF stripped (BTF kept) - X is the BPF file's name
#   X.skel.h       wasm-bpf gen skeleton X.bpf.o            (struct X_bpf, X_bpf__open(), ...)
#   X.wasm.h       wasm-bpf gen header (HEADERS_FROM_BTF/BTF_TYPES): the types with the BPF layout
#   NAME.wasm      the guest, compiled for wasm32-wasi against sdk/c/include/libbpf-wasm.h and
#                  linked with -Wl,--export-table -Wl,--strip-all
# The target's properties WASM_FILE and BPF_OBJECT hold the paths of NAME.wasm and X.bpf.o.
#
# With RUST_CRATE, the guest is that cargo package, built for wasm32-wasi (offline, release;
# see wasm_bpf_add_rust_guest) with the environment variable WASM_BPF_OBJECT naming X.bpf.o:
# the crate embeds it with include_bytes!(env!("WASM_BPF_OBJECT")). No skeleton or X.wasm.h.
#
# wasm_bpf_toolchain_usable(OK_VAR WHY_VAR) tells whether this machine can build guests.
#
# Cache variables: WASM_BPF_CLANG, WASM_BPF_CLANGXX, WASM_BPF_LLVM_STRIP, WASM_BPF_VMLINUX_BTF,
# WASM_BPF_VMLINUX_H, WASM_BPF_GUEST_FLAGS, WASM_BPF_SDK_INCLUDE_DIR, WASM_BPF_EXECUTABLE (the
# wasm-bpf used as generator when this project does not define the target `wasm-bpf`).
include_guard(GLOBAL)

set(_WASM_BPF_ROOT "${CMAKE_CURRENT_LIST_DIR}/..")

find_program(WASM_BPF_CLANG NAMES clang-14 clang DOC "clang with the bpf and wasm32 targets")
find_program(WASM_BPF_CLANGXX NAMES clang++-14 clang++ DOC "clang++ for C++ guests")
find_program(WASM_BPF_LLVM_STRIP NAMES llvm-strip-14 llvm-strip DOC "llvm-strip, to drop DWARF from BPF objects")
set(WASM_BPF_VMLINUX_BTF "/sys/kernel/btf/vmlinux" CACHE FILEPATH "Kernel BTF to generate vmlinux.h from")
set(WASM_BPF_VMLINUX_H "" CACHE FILEPATH "A ready vmlinux.h to use instead of generating one")
set(WASM_BPF_GUEST_FLAGS "-Os" CACHE STRING "Optimization flags for guest (wasm32) code")
set(WASM_BPF_SDK_INCLUDE_DIR "${_WASM_BPF_ROOT}/sdk/c/include" CACHE PATH "Where libbpf-wasm.h is")

# The BPF target architecture macro (__TARGET_ARCH_x86, ...) that bpf_tracing.h needs.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|i.86)$")
  set(_WASM_BPF_ARCH x86)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
  set(_WASM_BPF_ARCH arm64)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^ppc64")
  set(_WASM_BPF_ARCH powerpc)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^riscv")
  set(_WASM_BPF_ARCH riscv)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^s390")
  set(_WASM_BPF_ARCH s390)
else()
  set(_WASM_BPF_ARCH ${CMAKE_SYSTEM_PROCESSOR})
endif()

# System headers for BPF code (asm/types.h and friends live in the multiarch directory).
set(_WASM_BPF_SYS_INCLUDES)
if(CMAKE_LIBRARY_ARCHITECTURE AND EXISTS "/usr/include/${CMAKE_LIBRARY_ARCHITECTURE}")
  list(APPEND _WASM_BPF_SYS_INCLUDES -idirafter "/usr/include/${CMAKE_LIBRARY_ARCHITECTURE}")
endif()
list(APPEND _WASM_BPF_SYS_INCLUDES -idirafter /usr/include)

# The generator: this project's wasm-bpf target, or an installed wasm-bpf.
function(_wasm_bpf_generator out_cmd out_dep)
  if(TARGET wasm-bpf)
    set(${out_cmd} "$<TARGET_FILE:wasm-bpf>" PARENT_SCOPE)
    set(${out_dep} wasm-bpf PARENT_SCOPE)
  else()
    find_program(WASM_BPF_EXECUTABLE wasm-bpf DOC "wasm-bpf, used to generate skeletons")
    if(NOT WASM_BPF_EXECUTABLE)
      message(FATAL_ERROR "WasmBpf: no wasm-bpf executable (set WASM_BPF_EXECUTABLE)")
    endif()
    set(${out_cmd} "${WASM_BPF_EXECUTABLE}" PARENT_SCOPE)
    set(${out_dep} "${WASM_BPF_EXECUTABLE}" PARENT_SCOPE)
  endif()
endfunction()

function(wasm_bpf_toolchain_usable ok_var why_var)
  set(${ok_var} FALSE PARENT_SCOPE)
  if(NOT WASM_BPF_CLANG)
    set(${why_var} "no clang-14 or clang found" PARENT_SCOPE)
    return()
  endif()
  if(NOT WASM_BPF_LLVM_STRIP)
    set(${why_var} "no llvm-strip found" PARENT_SCOPE)
    return()
  endif()
  if(NOT WASM_BPF_VMLINUX_H AND NOT EXISTS "${WASM_BPF_VMLINUX_BTF}")
    set(${why_var} "no kernel BTF at ${WASM_BPF_VMLINUX_BTF} (set WASM_BPF_VMLINUX_BTF or WASM_BPF_VMLINUX_H)" PARENT_SCOPE)
    return()
  endif()
  if(NOT EXISTS "${WASM_BPF_SDK_INCLUDE_DIR}/libbpf-wasm.h")
    set(${why_var} "no libbpf-wasm.h in ${WASM_BPF_SDK_INCLUDE_DIR}" PARENT_SCOPE)
    return()
  endif()
  set(dir "${CMAKE_BINARY_DIR}/CMakeFiles/wasm-bpf-toolchain-check")
  file(MAKE_DIRECTORY "${dir}")
  file(WRITE "${dir}/guest.c" "#include <stdio.h>\nint main(void) { puts(\"ok\"); return 0; }\n")
  execute_process(
    COMMAND "${WASM_BPF_CLANG}" --target=wasm32-wasi -O2 "${dir}/guest.c" -o "${dir}/guest.wasm"
            -Wl,--export-table
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    set(${why_var} "${WASM_BPF_CLANG} cannot build wasm32-wasi programs (needs wasi-libc and libclang-rt-14-dev-wasm32): ${out}" PARENT_SCOPE)
    return()
  endif()
  file(WRITE "${dir}/prog.bpf.c" "int x;\n__attribute__((section(\"tp/sched/sched_switch\"))) int f(void *c) { return x; }\nchar LICENSE[] __attribute__((section(\"license\"))) = \"GPL\";\n")
  execute_process(
    COMMAND "${WASM_BPF_CLANG}" -g -O2 -target bpf -c "${dir}/prog.bpf.c" -o "${dir}/prog.bpf.o"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    set(${why_var} "${WASM_BPF_CLANG} cannot build BPF programs: ${out}" PARENT_SCOPE)
    return()
  endif()
  if(NOT EXISTS /usr/include/bpf/bpf_helpers.h)
    set(${why_var} "no libbpf headers (bpf/bpf_helpers.h; install libbpf-dev)" PARENT_SCOPE)
    return()
  endif()
  set(${ok_var} TRUE PARENT_SCOPE)
  set(${why_var} "" PARENT_SCOPE)
endfunction()

# The directory holding vmlinux.h (made once per build tree).
function(_wasm_bpf_vmlinux_dir out_var)
  set(dir "${CMAKE_BINARY_DIR}/wasm-bpf/vmlinux")
  set(${out_var} "${dir}" PARENT_SCOPE)
  get_property(done GLOBAL PROPERTY _WASM_BPF_VMLINUX_DONE)
  if(done)
    return()
  endif()
  set_property(GLOBAL PROPERTY _WASM_BPF_VMLINUX_DONE TRUE)
  file(MAKE_DIRECTORY "${dir}")
  if(WASM_BPF_VMLINUX_H)
    configure_file("${WASM_BPF_VMLINUX_H}" "${dir}/vmlinux.h" COPYONLY)
    add_custom_target(wasm_bpf_vmlinux_h)
  else()
    _wasm_bpf_generator(gen gen_dep)
    # Only ordered after the generator: regenerating vmlinux.h at every relink of wasm-bpf
    # would cost seconds for nothing.
    add_custom_command(OUTPUT "${dir}/vmlinux.h"
      COMMAND ${gen} gen vmlinux "${WASM_BPF_VMLINUX_BTF}" -o "${dir}/vmlinux.h"
      COMMENT "Generating vmlinux.h from ${WASM_BPF_VMLINUX_BTF}"
      VERBATIM)
    add_custom_target(wasm_bpf_vmlinux_h DEPENDS "${dir}/vmlinux.h")
  endif()
endfunction()

# Type spellings ("struct event", "enum kind") defined in a header, for HEADERS_FROM_BTF.
function(_wasm_bpf_types_of_header header out_var)
  file(READ "${header}" text)
  string(REGEX REPLACE "/\\*([^*]|\\*+[^*/])*\\*+/" "" text "${text}")  # drop comments
  string(REGEX REPLACE "//[^\n]*" "" text "${text}")
  string(REGEX MATCHALL "(struct|union|enum)[ \t\r\n]+[A-Za-z_][A-Za-z0-9_]*[ \t\r\n]*{" found "${text}")
  set(types)
  foreach(f IN LISTS found)
    string(REGEX REPLACE "[ \t\r\n{]+" " " f "${f}")
    string(STRIP "${f}" f)
    list(APPEND types "${f}")
  endforeach()
  # Aliases of named types ("typedef struct inner inner_t;"), under their own name. The ';'
  # is spelled '@' here: in CMake it would split the list of matches.
  string(REPLACE ";" "@" text "${text}")
  string(REGEX MATCHALL "typedef[ \t\r\n]+(struct|union|enum)[ \t\r\n]+[A-Za-z_][A-Za-z0-9_]*[ \t\r\n]+[A-Za-z_][A-Za-z0-9_]*[ \t\r\n]*@" found "${text}")
  foreach(f IN LISTS found)
    string(REGEX MATCH "([A-Za-z_][A-Za-z0-9_]*)[ \t\r\n]*@$" unused "${f}")
    list(APPEND types "${CMAKE_MATCH_1}")
  endforeach()
  set(${out_var} ${types} PARENT_SCOPE)
endfunction()

function(wasm_bpf_add_example name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG ""
    "BPF;OUTPUT_NAME;RUST_CRATE"
    "SOURCES;HEADERS_FROM_BTF;BTF_TYPES;INCLUDE_DIRS;BPF_DEFINES;COMPILE_OPTIONS")
  if(NOT ARG_BPF OR (NOT ARG_SOURCES AND NOT ARG_RUST_CRATE))
    message(FATAL_ERROR "wasm_bpf_add_example(${name}): BPF and SOURCES (or RUST_CRATE) are required")
  endif()
  if(ARG_RUST_CRATE AND (ARG_SOURCES OR ARG_HEADERS_FROM_BTF OR ARG_BTF_TYPES))
    message(FATAL_ERROR "wasm_bpf_add_example(${name}): RUST_CRATE takes no SOURCES, HEADERS_FROM_BTF or BTF_TYPES")
  endif()
  if(NOT ARG_OUTPUT_NAME)
    set(ARG_OUTPUT_NAME ${name})
  endif()
  set(src_dir "${CMAKE_CURRENT_SOURCE_DIR}")
  set(bin_dir "${CMAKE_CURRENT_BINARY_DIR}")
  get_filename_component(bpf_src "${ARG_BPF}" ABSOLUTE)
  get_filename_component(bpf_file "${bpf_src}" NAME)
  string(REGEX REPLACE "\\.c$" "" bpf_stem "${bpf_file}")     # bootstrap.bpf
  string(REGEX REPLACE "\\.bpf$" "" base "${bpf_stem}")       # bootstrap
  set(bpf_obj "${bin_dir}/${bpf_stem}.o")
  set(skel_h "${bin_dir}/${base}.skel.h")

  _wasm_bpf_vmlinux_dir(vmlinux_dir)
  _wasm_bpf_generator(gen gen_dep)

  set(inc_flags)
  foreach(d IN LISTS ARG_INCLUDE_DIRS)
    get_filename_component(d "${d}" ABSOLUTE)
    list(APPEND inc_flags "-I${d}")
  endforeach()
  set(bpf_defs)
  foreach(d IN LISTS ARG_BPF_DEFINES)
    list(APPEND bpf_defs "-D${d}")
  endforeach()
  set(bpf_flags -g -O2 -target bpf -D__TARGET_ARCH_${_WASM_BPF_ARCH} -I${vmlinux_dir} -I${src_dir}
      ${inc_flags} ${bpf_defs} ${_WASM_BPF_SYS_INCLUDES} -Wall -Wno-unused-function)

  # The BPF object, with its DWARF dropped (the BTF stays): it is embedded in the guest.
  add_custom_command(OUTPUT "${bpf_obj}"
    COMMAND "${WASM_BPF_CLANG}" ${bpf_flags} -MD -MF "${bpf_obj}.d" -c "${bpf_src}" -o "${bpf_obj}"
    COMMAND "${WASM_BPF_LLVM_STRIP}" -g "${bpf_obj}"
    DEPENDS "${bpf_src}" wasm_bpf_vmlinux_h "${vmlinux_dir}/vmlinux.h"
    DEPFILE "${bpf_obj}.d"
    COMMENT "Building BPF object ${bpf_stem}.o"
    VERBATIM)

  if(ARG_RUST_CRATE)
    _wasm_bpf_cargo_build(${name} "${ARG_RUST_CRATE}" "${ARG_OUTPUT_NAME}"
      ENV "WASM_BPF_OBJECT=${bpf_obj}"
      DEPENDS "${bpf_obj}")
    set_target_properties(${name} PROPERTIES BPF_OBJECT "${bpf_obj}")
    return()
  endif()

  add_custom_command(OUTPUT "${skel_h}"
    COMMAND ${gen} gen skeleton "${bpf_obj}" -o "${skel_h}"
    DEPENDS "${bpf_obj}" ${gen_dep}
    COMMENT "Generating ${base}.skel.h"
    VERBATIM)
  set(generated "${skel_h}")

  # Types the guest shares with the BPF program, laid out for wasm32 from BTF.
  set(types ${ARG_BTF_TYPES})
  set(type_headers)
  foreach(h IN LISTS ARG_HEADERS_FROM_BTF)
    get_filename_component(h "${h}" ABSOLUTE)
    list(APPEND type_headers "${h}")
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${h}")
    _wasm_bpf_types_of_header("${h}" found)
    list(APPEND types ${found})
  endforeach()
  if(type_headers OR types)
    if(NOT types)
      message(FATAL_ERROR "wasm_bpf_add_example(${name}): no struct, union or enum definitions in ${ARG_HEADERS_FROM_BTF}")
    endif()
    set(types_c "${bin_dir}/${base}.types.c")
    set(types_o "${bin_dir}/${base}.types.o")
    set(wasm_h "${bin_dir}/${base}.wasm.h")
    set(text "/* Generated by WasmBpf.cmake: references the types of ${base}.wasm.h so that they get BTF. */\n#include \"vmlinux.h\"\n")
    foreach(h IN LISTS type_headers)
      string(APPEND text "#include \"${h}\"\n")
    endforeach()
    set(gen_types)
    set(i 0)
    foreach(t IN LISTS types)
      string(APPEND text "${t} __wasm_bpf_type_${i};\n")
      string(REGEX REPLACE "^(struct|union|enum) " "" tname "${t}")
      list(APPEND gen_types -t "${tname}")
      math(EXPR i "${i} + 1")
    endforeach()
    file(CONFIGURE OUTPUT "${types_c}" CONTENT "${text}" @ONLY)
    add_custom_command(OUTPUT "${types_o}"
      COMMAND "${WASM_BPF_CLANG}" ${bpf_flags} -MD -MF "${types_o}.d" -c "${types_c}" -o "${types_o}"
      DEPENDS "${types_c}" wasm_bpf_vmlinux_h "${vmlinux_dir}/vmlinux.h"
      DEPFILE "${types_o}.d"
      COMMENT "Building BTF for the types of ${base}.wasm.h"
      VERBATIM)
    add_custom_command(OUTPUT "${wasm_h}"
      COMMAND ${gen} gen header "${types_o}" ${gen_types} -o "${wasm_h}"
      DEPENDS "${types_o}" ${gen_dep}
      COMMENT "Generating ${base}.wasm.h"
      VERBATIM)
    list(APPEND generated "${wasm_h}")
  endif()

  # The guest: each source compiled for wasm32-wasi, then linked with the table exported
  # (poll callbacks are passed as table indices) and symbols stripped.
  set(objs)
  set(has_cxx FALSE)
  separate_arguments(opt_flags UNIX_COMMAND "${WASM_BPF_GUEST_FLAGS}")
  foreach(s IN LISTS ARG_SOURCES)
    get_filename_component(s "${s}" ABSOLUTE)
    get_filename_component(s_name "${s}" NAME)
    set(obj "${bin_dir}/${name}.guest/${s_name}.o")
    if(s MATCHES "\\.(cc|cpp|cxx|C)$")
      set(has_cxx TRUE)
      set(compiler "${WASM_BPF_CLANGXX}")
      set(lang_flags -std=c++17 -fno-exceptions)
    else()
      set(compiler "${WASM_BPF_CLANG}")
      set(lang_flags -std=gnu11)
    endif()
    add_custom_command(OUTPUT "${obj}"
      COMMAND "${CMAKE_COMMAND}" -E make_directory "${bin_dir}/${name}.guest"
      COMMAND "${compiler}" --target=wasm32-wasi ${lang_flags} ${opt_flags} -Wall
              -I${bin_dir} -I${src_dir} -I${WASM_BPF_SDK_INCLUDE_DIR} ${inc_flags} ${ARG_COMPILE_OPTIONS}
              -MD -MF "${obj}.d" -c "${s}" -o "${obj}"
      DEPENDS "${s}" ${generated}
      DEPFILE "${obj}.d"
      COMMENT "Compiling guest source ${s_name} (wasm32-wasi)"
      VERBATIM)
    list(APPEND objs "${obj}")
  endforeach()
  set(linker "${WASM_BPF_CLANG}")
  set(link_flags)
  if(has_cxx)
    set(linker "${WASM_BPF_CLANGXX}")
    set(link_flags -fno-exceptions)
  endif()
  set(wasm "${bin_dir}/${ARG_OUTPUT_NAME}.wasm")
  add_custom_command(OUTPUT "${wasm}"
    COMMAND "${linker}" --target=wasm32-wasi ${opt_flags} ${link_flags} ${objs} -o "${wasm}"
            -Wl,--export-table -Wl,--strip-all
    DEPENDS ${objs}
    COMMENT "Linking guest ${ARG_OUTPUT_NAME}.wasm"
    VERBATIM)
  add_custom_target(${name} ALL DEPENDS "${wasm}")
  set_target_properties(${name} PROPERTIES WASM_FILE "${wasm}" BPF_OBJECT "${bpf_obj}")
endfunction()

# wasm_bpf_add_rust_guest(NAME MANIFEST_DIR dir [ENV K=V ...] [DEPENDS ...] [OUTPUT_NAME name])
# builds the cargo package in MANIFEST_DIR for wasm32-wasi (release profile, offline) into
# NAME.wasm in the current binary directory (for a guest that gets its BPF object some other
# way; wasm_bpf_add_example(... RUST_CRATE dir) builds the object too). Uses WASM_BPF_CARGO and WASM_BPF_RUSTC (Debian's
# /usr/bin/cargo and /usr/bin/rustc by default, which have the wasm32-wasi standard library).
# The crate's .cargo/config.toml is honoured (cargo runs in MANIFEST_DIR).
find_program(WASM_BPF_CARGO NAMES cargo PATHS /usr/bin NO_DEFAULT_PATH DOC "cargo with the wasm32-wasi target")
find_program(WASM_BPF_RUSTC NAMES rustc PATHS /usr/bin NO_DEFAULT_PATH DOC "rustc with the wasm32-wasi standard library")

function(wasm_bpf_rust_usable ok_var why_var)
  set(${ok_var} FALSE PARENT_SCOPE)
  if(NOT WASM_BPF_CARGO OR NOT WASM_BPF_RUSTC)
    set(${why_var} "no cargo/rustc in /usr/bin (set WASM_BPF_CARGO and WASM_BPF_RUSTC)" PARENT_SCOPE)
    return()
  endif()
  execute_process(COMMAND "${WASM_BPF_RUSTC}" --print sysroot
    OUTPUT_VARIABLE sysroot OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc ERROR_QUIET)
  if(NOT rc EQUAL 0 OR NOT EXISTS "${sysroot}/lib/rustlib/wasm32-wasi")
    set(${why_var} "${WASM_BPF_RUSTC} has no wasm32-wasi standard library (libstd-rust-dev-wasm32)" PARENT_SCOPE)
    return()
  endif()
  set(${ok_var} TRUE PARENT_SCOPE)
  set(${why_var} "" PARENT_SCOPE)
endfunction()

# The cargo build behind wasm_bpf_add_rust_guest and RUST_CRATE: target NAME making
# OUTPUT_NAME.wasm in the current binary directory from the package in `dir`.
function(_wasm_bpf_cargo_build name dir output_name)
  cmake_parse_arguments(PARSE_ARGV 3 ARG "" "" "ENV;DEPENDS;SOURCES")
  if(NOT WASM_BPF_CARGO OR NOT WASM_BPF_RUSTC)
    message(FATAL_ERROR "${name}: no cargo/rustc for Rust guests (set WASM_BPF_CARGO and WASM_BPF_RUSTC)")
  endif()
  get_filename_component(dir "${dir}" ABSOLUTE)
  if(NOT EXISTS "${dir}/Cargo.toml")
    message(FATAL_ERROR "${name}: no Cargo.toml in ${dir}")
  endif()
  # The module cargo makes is named after the package.
  file(READ "${dir}/Cargo.toml" manifest)
  if(NOT manifest MATCHES "\\[package\\][^[]*\n[ \t]*name[ \t]*=[ \t]*\"([^\"]+)\"")
    message(FATAL_ERROR "${name}: no [package] name in ${dir}/Cargo.toml")
  endif()
  set(package "${CMAKE_MATCH_1}")
  set(target_dir "${CMAKE_CURRENT_BINARY_DIR}/${name}.cargo")
  set(wasm "${CMAKE_CURRENT_BINARY_DIR}/${output_name}.wasm")
  file(GLOB_RECURSE crate_sources "${dir}/src/*.rs" "${_WASM_BPF_ROOT}/sdk/rust/src/*.rs")
  set(extra_inputs)
  foreach(f IN ITEMS "${dir}/.cargo/config.toml" "${dir}/Cargo.lock")
    if(EXISTS "${f}")
      list(APPEND extra_inputs "${f}")
    endif()
  endforeach()
  add_custom_command(OUTPUT "${wasm}"
    COMMAND "${CMAKE_COMMAND}" -E env RUSTC=${WASM_BPF_RUSTC} CARGO_TARGET_DIR=${target_dir} ${ARG_ENV}
            "${WASM_BPF_CARGO}" build --offline --release --target wasm32-wasi
            --manifest-path "${dir}/Cargo.toml"
    COMMAND "${CMAKE_COMMAND}" -E copy_if_different
            "${target_dir}/wasm32-wasi/release/${package}.wasm" "${wasm}"
    DEPENDS "${dir}/Cargo.toml" ${crate_sources} ${extra_inputs} ${ARG_SOURCES} ${ARG_DEPENDS}
    WORKING_DIRECTORY "${dir}"
    COMMENT "Building Rust guest ${output_name}.wasm (cargo, wasm32-wasi)"
    VERBATIM)
  add_custom_target(${name} ALL DEPENDS "${wasm}")
  set_target_properties(${name} PROPERTIES WASM_FILE "${wasm}")
endfunction()

function(wasm_bpf_add_rust_guest name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "MANIFEST_DIR;OUTPUT_NAME" "ENV;DEPENDS;SOURCES")
  if(NOT ARG_OUTPUT_NAME)
    set(ARG_OUTPUT_NAME ${name})
  endif()
  _wasm_bpf_cargo_build(${name} "${ARG_MANIFEST_DIR}" "${ARG_OUTPUT_NAME}"
    ENV ${ARG_ENV} DEPENDS ${ARG_DEPENDS} SOURCES ${ARG_SOURCES})
endfunction()
