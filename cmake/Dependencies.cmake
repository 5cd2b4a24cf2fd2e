# SPDX-License-Identifier: MIT
# Libraries from Debian that the wasm-bpf executable links, found once for every library here.
#
# With WB_STATIC_DEPS (the default, off in sanitizer and fuzzing builds) the executable takes
# libbpf, libelf and zlib from their static archives and links libstdc++ and libgcc statically,
# so that only libc and libm are loaded at start. On this class of machine every shared library
# costs about a millisecond of page faults and symbol lookups at every start: the dynamic build
# takes ~11 ms for `wasm-bpf run hello.wasm`, the static one ~8.5 ms (bench/startup). libc stays
# shared because libcurl and libcrypto are dlopen'ed by the registry commands (src/oci).

option(WB_STATIC_DEPS "Link libbpf, libelf, zlib, libstdc++ and libgcc statically into wasm-bpf" ON)
if(WB_SANITIZE OR WB_FUZZ)
  set(WB_STATIC_DEPS OFF)
endif()

# PkgConfig::WB_PC_LIBBPF is the shared libbpf, as native test and benchmark programs link it.
pkg_check_modules(WB_PC_LIBBPF REQUIRED IMPORTED_TARGET libbpf)
find_package(ZLIB REQUIRED)

add_library(wb_dep_libbpf INTERFACE)
add_library(wb_dep_zlib INTERFACE)

set(_wb_static_ok FALSE)
if(WB_STATIC_DEPS)
  find_library(WB_LIBBPF_A NAMES libbpf.a)
  find_library(WB_LIBELF_A NAMES libelf.a)
  find_library(WB_LIBZ_A NAMES libz.a)
  if(WB_LIBBPF_A AND WB_LIBELF_A AND WB_LIBZ_A)
    set(_wb_static_ok TRUE)
  else()
    message(WARNING "WB_STATIC_DEPS: libbpf.a, libelf.a or libz.a not found; linking them dynamically")
  endif()
endif()

if(_wb_static_ok)
  # Shared libraries (libwasm-bpf.so) link the shared ones: Debian's libelf.a is not built
  # for shared objects (its thread-local error state uses the executable TLS model).
  set(_wb_in_shared "$<STREQUAL:$<TARGET_PROPERTY:TYPE>,SHARED_LIBRARY>")
  target_include_directories(wb_dep_libbpf INTERFACE ${WB_PC_LIBBPF_INCLUDE_DIRS})
  target_link_libraries(wb_dep_libbpf INTERFACE
    "$<IF:${_wb_in_shared},PkgConfig::WB_PC_LIBBPF,${WB_LIBBPF_A};${WB_LIBELF_A};${WB_LIBZ_A}>")
  target_link_libraries(wb_dep_zlib INTERFACE "$<IF:${_wb_in_shared},ZLIB::ZLIB,${WB_LIBZ_A}>")
  target_include_directories(wb_dep_zlib INTERFACE ${ZLIB_INCLUDE_DIRS})
else()
  target_link_libraries(wb_dep_libbpf INTERFACE PkgConfig::WB_PC_LIBBPF)
  target_link_libraries(wb_dep_zlib INTERFACE ZLIB::ZLIB)
endif()

# Link options for the programs we ship (wasm-bpf): the C++ runtime inside the executable.
function(wb_link_runtime_statically target)
  if(_wb_static_ok)
    target_link_options(${target} PRIVATE -static-libstdc++ -static-libgcc)
  endif()
endfunction()
