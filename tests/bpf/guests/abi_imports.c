// SPDX-License-Identifier: MIT
/* Imports every `wasm_bpf` function a set of declarations offers, so that tests/bpf's
 * AbiAgreement test can read their wasm types from the module's import section. Built twice:
 * with the C SDK (libbpf-wasm.h) and with the test guests' own declarations
 * (-DWB_TEST_DECLARATIONS: wasm_bpf_imports.h). Never run. */
#ifdef WB_TEST_DECLARATIONS
#include "wasm_bpf_imports.h"
#else
#include "libbpf-wasm.h"
#endif

void *volatile wb_keep[] = {
    (void *)wasm_load_bpf_object,   (void *)wasm_attach_bpf_program, (void *)wasm_attach_bpf_program_fd,
    (void *)wasm_bpf_map_fd_by_name, (void *)wasm_bpf_buffer_poll,    (void *)wasm_bpf_map_operate,
    (void *)wasm_close_bpf_object,
};

int main(void) { return wb_keep[0] == 0; }
