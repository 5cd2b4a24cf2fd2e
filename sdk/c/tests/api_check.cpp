// SPDX-License-Identifier: MIT
// The SDK check guest compiled as C++17: libbpf-wasm.h and generated skeletons and layout
// headers must be valid C++ too.
#include "api_check.c"
