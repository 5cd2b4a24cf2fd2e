# SPDX-License-Identifier: MIT
# Building eBPF objects and the wasm32-wasi guests that embed them (tests/bpf, bench/bpf_throughput).
#
#   include(BpfGuest)            # after list(APPEND CMAKE_MODULE_PATH ${PROJECT_SOURCE_DIR}/cmake)
#   wb_bpf_toolchain_check(ok)   # ok: TRUE when clang-14 (bpf + wasm32-wasi), bpftool and kernel BTF exist
#   wb_add_bpf_object(exec_rb SOURCE bpf/exec_rb.bpf.c [INCLUDES dir...] [DEPENDS file...])
#       -> ${CMAKE_CURRENT_BINARY_DIR}/bpf/exec_rb.bpf.o and the C header
#          ${CMAKE_CURRENT_BINARY_DIR}/bpf/exec_rb.embed.h holding
#          `static const unsigned char exec_rb_bpf_o[] = {...}; static const unsigned int exec_rb_bpf_o_len = N;`
#          Sets exec_rb_BPF_OBJECT and exec_rb_BPF_EMBED_HEADER in the caller's scope.
#   wb_add_wasm_guest(exec_rb_guest SOURCES guests/exec_rb.c [EMBED_BPF exec_rb ...] [INCLUDES dir...]
#                     [FLAGS clang-flag...] [NO_EXPORT_TABLE])
#       -> ${CMAKE_CURRENT_BINARY_DIR}/guests/exec_rb_guest.wasm (target wb_guest_exec_rb_guest,
#          built by `all`). Sets exec_rb_guest_WASM in the caller's scope. NO_EXPORT_TABLE
#          leaves the function table unexported (as TinyGo modules do).
#
# BPF objects: clang-14 -target bpf -g -O2 -D__TARGET_ARCH_x86 against a vmlinux.h dumped from
# /sys/kernel/btf/vmlinux by bpftool once per build tree. Guests: clang-14 --target=wasm32-wasi
# -O2 -Wl,--export-table (the host calls poll callbacks through __indirect_function_table).

set(WB_BPF_EMBED_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/BpfEmbed.cmake)

# Sets `out_var` to TRUE when everything needed is present; explains what is missing otherwise.
function(wb_bpf_toolchain_check out_var)
  set(${out_var} FALSE PARENT_SCOPE)
  find_program(WB_BPF_CLANG NAMES clang-14 clang DOC "clang targeting bpf and wasm32-wasi")
  find_program(WB_BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin /usr/local/sbin DOC "bpftool (dumps vmlinux.h)")
  if(NOT WB_BPF_CLANG)
    message(STATUS "eBPF guests: clang-14 not found")
    return()
  endif()
  if(NOT WB_BPFTOOL)
    message(STATUS "eBPF guests: bpftool not found")
    return()
  endif()
  if(NOT EXISTS /sys/kernel/btf/vmlinux)
    message(STATUS "eBPF guests: no kernel BTF at /sys/kernel/btf/vmlinux")
    return()
  endif()
  if(NOT DEFINED WB_BPF_GUEST_CC_WORKS)
    set(probe_dir ${CMAKE_BINARY_DIR}/bpf-guest-probe)
    file(MAKE_DIRECTORY ${probe_dir})
    file(WRITE ${probe_dir}/probe.c
      "#include <stdio.h>\nstatic int cb(int x) { return x + 1; }\nint (*volatile f)(int) = cb;\n"
      "int main(void) { printf(\"%d\\n\", f(1)); return 0; }\n")
    file(WRITE ${probe_dir}/probe.bpf.c
      "char LICENSE[] __attribute__((section(\"license\"), used)) = \"GPL\";\n"
      "__attribute__((section(\"xdp\"), used)) int probe(void *ctx) { return 2; }\n")
    execute_process(
      COMMAND ${WB_BPF_CLANG} --target=wasm32-wasi -O2 -Wl,--export-table ${probe_dir}/probe.c -o ${probe_dir}/probe.wasm
      RESULT_VARIABLE wasm_result OUTPUT_QUIET ERROR_QUIET)
    execute_process(
      COMMAND ${WB_BPF_CLANG} -target bpf -g -O2 -c ${probe_dir}/probe.bpf.c -o ${probe_dir}/probe.bpf.o
      RESULT_VARIABLE bpf_result OUTPUT_QUIET ERROR_QUIET)
    if(wasm_result EQUAL 0 AND bpf_result EQUAL 0)
      set(WB_BPF_GUEST_CC_WORKS ON CACHE INTERNAL "WB_BPF_CLANG builds bpf objects and wasm32-wasi guests")
    else()
      set(WB_BPF_GUEST_CC_WORKS OFF CACHE INTERNAL "WB_BPF_CLANG builds bpf objects and wasm32-wasi guests")
    endif()
  endif()
  find_path(WB_LIBBPF_HELPERS_DIR bpf/bpf_helpers.h DOC "libbpf's BPF-side headers (libbpf-dev)")
  if(NOT WB_LIBBPF_HELPERS_DIR)
    message(STATUS "eBPF guests: bpf/bpf_helpers.h (libbpf-dev) not found")
    return()
  endif()
  if(NOT WB_BPF_GUEST_CC_WORKS)
    message(STATUS "eBPF guests: ${WB_BPF_CLANG} cannot build both -target bpf (libbpf-dev headers) and "
                   "wasm32-wasi (wasi-libc, libclang-rt-14-dev-wasm32)")
    return()
  endif()
  # One vmlinux.h per build tree, shared by every directory that builds BPF objects.
  if(NOT TARGET wb_vmlinux_h)
    set(dir ${CMAKE_BINARY_DIR}/bpf-include)
    add_custom_command(OUTPUT ${dir}/vmlinux.h
      COMMAND ${CMAKE_COMMAND} -E make_directory ${dir}
      COMMAND sh -c "'${WB_BPFTOOL}' btf dump file /sys/kernel/btf/vmlinux format c > '${dir}/vmlinux.h.tmp'"
      COMMAND ${CMAKE_COMMAND} -E rename ${dir}/vmlinux.h.tmp ${dir}/vmlinux.h
      COMMENT "Dumping vmlinux.h from the kernel's BTF"
      VERBATIM)
    add_custom_target(wb_vmlinux_h DEPENDS ${dir}/vmlinux.h)
    set_property(GLOBAL PROPERTY WB_VMLINUX_DIR ${dir})
  endif()
  set(${out_var} TRUE PARENT_SCOPE)
endfunction()

function(wb_add_bpf_object name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "SOURCE" "INCLUDES;DEPENDS;DEFINES")
  if(NOT arg_SOURCE)
    message(FATAL_ERROR "wb_add_bpf_object(${name}): SOURCE is required")
  endif()
  get_filename_component(src ${arg_SOURCE} ABSOLUTE)
  get_property(vmlinux_dir GLOBAL PROPERTY WB_VMLINUX_DIR)
  set(out_dir ${CMAKE_CURRENT_BINARY_DIR}/bpf)
  set(obj ${out_dir}/${name}.bpf.o)
  set(hdr ${out_dir}/${name}.embed.h)
  set(includes -I${vmlinux_dir})
  foreach(dir IN LISTS arg_INCLUDES)
    get_filename_component(dir ${dir} ABSOLUTE)
    list(APPEND includes -I${dir})
  endforeach()
  set(defines)
  foreach(d IN LISTS arg_DEFINES)
    list(APPEND defines -D${d})
  endforeach()
  add_custom_command(OUTPUT ${obj}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${out_dir}
    COMMAND ${WB_BPF_CLANG} -target bpf -g -O2 -Wall -D__TARGET_ARCH_x86 ${defines} ${includes}
            -MD -MF ${obj}.d -c ${src} -o ${obj}
    DEPENDS ${src} ${vmlinux_dir}/vmlinux.h wb_vmlinux_h ${arg_DEPENDS}
    DEPFILE ${obj}.d
    COMMENT "Building BPF object ${name}.bpf.o"
    VERBATIM)
  add_custom_command(OUTPUT ${hdr}
    COMMAND ${CMAKE_COMMAND} -DINPUT=${obj} -DOUTPUT=${hdr} -DSYMBOL=${name}_bpf_o -P ${WB_BPF_EMBED_SCRIPT}
    DEPENDS ${obj} ${WB_BPF_EMBED_SCRIPT}
    COMMENT "Embedding ${name}.bpf.o as a C array"
    VERBATIM)
  add_custom_target(wb_bpf_${name} ALL DEPENDS ${obj} ${hdr})
  set(${name}_BPF_OBJECT ${obj} PARENT_SCOPE)
  set(${name}_BPF_EMBED_HEADER ${hdr} PARENT_SCOPE)
endfunction()

function(wb_add_wasm_guest name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "NO_EXPORT_TABLE" "" "SOURCES;EMBED_BPF;INCLUDES;DEPENDS;FLAGS")
  set(out_dir ${CMAKE_CURRENT_BINARY_DIR}/guests)
  set(out ${out_dir}/${name}.wasm)
  set(srcs)
  foreach(s IN LISTS arg_SOURCES)
    get_filename_component(s ${s} ABSOLUTE)
    list(APPEND srcs ${s})
  endforeach()
  set(flags --target=wasm32-wasi -O2 -Wall -Wextra ${arg_FLAGS})
  if(NOT arg_NO_EXPORT_TABLE)
    list(APPEND flags -Wl,--export-table)
  endif()
  if(WB_WERROR)
    list(APPEND flags -Werror)
  endif()
  set(deps ${srcs} ${arg_DEPENDS})
  set(includes)
  if(arg_EMBED_BPF)
    list(APPEND includes -I${CMAKE_CURRENT_BINARY_DIR}/bpf)
    foreach(obj IN LISTS arg_EMBED_BPF)
      list(APPEND deps ${CMAKE_CURRENT_BINARY_DIR}/bpf/${obj}.embed.h)
    endforeach()
  endif()
  foreach(dir IN LISTS arg_INCLUDES)
    get_filename_component(dir ${dir} ABSOLUTE)
    list(APPEND includes -I${dir})
  endforeach()
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${out_dir}
    COMMAND ${WB_BPF_CLANG} ${flags} ${includes} -MD -MF ${out}.d -o ${out} ${srcs}
    DEPENDS ${deps}
    DEPFILE ${out}.d
    COMMENT "Building eBPF guest ${name}.wasm"
    VERBATIM)
  add_custom_target(wb_guest_${name} ALL DEPENDS ${out})
  set(${name}_WASM ${out} PARENT_SCOPE)
endfunction()
