/* SPDX-License-Identifier: MIT */
/*
 * wasm_bpf.h: the C API of the wasm-bpf runtime, for programs that embed it.
 *
 * A guest is one WebAssembly module (wasm32-wasi, optionally with eBPF objects it loads
 * through the wasm_bpf host functions) and everything it is given: arguments, environment,
 * preopened directories, stdio, limits, what its BPF side may do, extra host functions.
 * Configure it, then run it (blocking) on a thread of yours; stop it from any other thread.
 *
 *   wasm_bpf_guest *g;
 *   if (wasm_bpf_guest_new_from_file("hello.wasm", &g) != WASM_BPF_OK) {
 *     fprintf(stderr, "%s\n", wasm_bpf_last_error());
 *     return 1;
 *   }
 *   const char *args[] = {"--verbose"};
 *   wasm_bpf_guest_set_args(g, 1, args);
 *   wasm_bpf_result r;
 *   if (wasm_bpf_guest_run(g, &r) != WASM_BPF_OK) fprintf(stderr, "%s\n", wasm_bpf_last_error());
 *   else printf("exit status %d\n", r.exit_status);
 *   wasm_bpf_guest_delete(g);
 *
 * Errors: every function that can fail returns a wasm_bpf_status; on anything but
 * WASM_BPF_OK, wasm_bpf_last_error() gives a message saying what failed, for the calling
 * thread (like errno), valid until that thread's next call into this API.
 *
 * Threads: a guest is configured and run from one thread at a time; the stop, pause and
 * resume functions may be called from any thread at any time while it exists. Several guests
 * may run at once on different threads. The runtime installs no signal handlers of its own
 * but one for WASM_BPF_LIMIT_KICK_SIGNAL (SIGURG by default) while a guest runs, which does nothing:
 * it is sent to the guest's thread to cut a blocking kernel call short when it is stopped.
 *
 * Strings passed in are copied; the API keeps no pointer to them after the call returns.
 */
#ifndef WASM_BPF_H
#define WASM_BPF_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define WASM_BPF_API __attribute__((visibility("default")))
#else
#define WASM_BPF_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The API version this header declares; wasm_bpf_api_version() is the library's. */
#define WASM_BPF_API_VERSION 1

typedef enum wasm_bpf_status {
  WASM_BPF_OK = 0,
  WASM_BPF_ERROR_ARGUMENT = 1,  /* a NULL pointer, an unknown name, a value out of range */
  WASM_BPF_ERROR_MODULE = 2,    /* the module cannot be read, or is not valid WebAssembly */
  WASM_BPF_ERROR_START = 3,     /* the guest could not start: a missing import, a directory
                                   that cannot be opened, memory it needs beyond the limit */
  WASM_BPF_ERROR_STATE = 4,     /* not now: the guest is running or has already run */
  WASM_BPF_ERROR_MEMORY = 5,    /* out of host memory */
  WASM_BPF_STATUS_MAX_ENUM = 0x7fffffff  /* (makes every int value a valid one) */
} wasm_bpf_status;

/* How a run ended. */
typedef enum wasm_bpf_outcome {
  WASM_BPF_EXITED = 0,       /* returned from _start or called proc_exit: see exit_code */
  WASM_BPF_TRAPPED = 1,      /* a WebAssembly trap, or a host function that failed */
  WASM_BPF_INTERRUPTED = 2,  /* stopped by wasm_bpf_guest_stop/_request_stop */
  WASM_BPF_TIMED_OUT = 3,    /* WASM_BPF_LIMIT_TIMEOUT_MS elapsed */
  WASM_BPF_OUTCOME_MAX_ENUM = 0x7fffffff
} wasm_bpf_outcome;

typedef struct wasm_bpf_result {
  wasm_bpf_outcome outcome;
  /* The guest's own status (proc_exit's argument) when it exited, also when it finished by
     itself after being asked to stop; 0 otherwise. */
  int exit_code;
  /* The status `wasm-bpf run` exits with for the same run: exit_code if 0..255 (1 for any
     other), 134 for a trap, 124 for a timeout, 130 for a stop. */
  int exit_status;
  /* The guest was stopped outright (not finishing by itself after being asked to). */
  int forced;
  /* The guest asked for more linear memory than WASM_BPF_LIMIT_MAX_MEMORY allows. */
  int memory_capped;
} wasm_bpf_result;

typedef struct wasm_bpf_guest wasm_bpf_guest;

/* The message of the calling thread's last failed call ("" if none). */
WASM_BPF_API const char *wasm_bpf_last_error(void);
/* The library's version ("0.1.0") and API version (WASM_BPF_API_VERSION it was built with). */
WASM_BPF_API const char *wasm_bpf_version(void);
WASM_BPF_API int wasm_bpf_api_version(void);

/* A guest from a module file, or from the module's bytes (copied; `name` is the guest's
   argv[0] and names its BPF objects, e.g. "bootstrap.wasm"). The module is read here (a file
   that cannot be read or is no WebAssembly binary fails with WASM_BPF_ERROR_MODULE) and
   validated when it is run. */
WASM_BPF_API wasm_bpf_status wasm_bpf_guest_new_from_file(const char *path, wasm_bpf_guest **out);
WASM_BPF_API wasm_bpf_status wasm_bpf_guest_new_from_bytes(const uint8_t *bytes, size_t size, const char *name,
                                                           wasm_bpf_guest **out);
/* Frees the guest. It must not be running (stop it and let wasm_bpf_guest_run return). */
WASM_BPF_API void wasm_bpf_guest_delete(wasm_bpf_guest *guest);

/* The guest's arguments after argv[0] (replacing earlier ones), and one more "KEY=VALUE"
   environment variable (none by default: the host's environment is not passed). */
WASM_BPF_API wasm_bpf_status wasm_bpf_guest_set_args(wasm_bpf_guest *guest, size_t argc, const char *const *argv);
WASM_BPF_API wasm_bpf_status wasm_bpf_guest_add_env(wasm_bpf_guest *guest, const char *key_value);

/* Gives the guest a host directory under the name guest_path ("/data", "."); with read_only
   nothing beneath it can be written, created or removed (EROFS), as `run --dir HOST:ro`. The
   guest reaches no other host file. The directory is opened when the guest starts. */
WASM_BPF_API wasm_bpf_status wasm_bpf_guest_add_dir(wasm_bpf_guest *guest, const char *host_path,
                                                    const char *guest_path, int read_only);

/* The guest's stdio. By default the process's own fds 0, 1 and 2 (left open). A host fd
   (the caller keeps it open while the guest runs, and closes it), or for output a function
   called with every write (from the guest's thread; return nothing, keep no pointer), or for
   input a buffer the guest reads (copied) and then sees the end of. */
WASM_BPF_API wasm_bpf_status wasm_bpf_guest_set_stdio_fd(wasm_bpf_guest *guest, int guest_fd, int host_fd);
typedef void (*wasm_bpf_output_fn)(void *user_data, const char *data, size_t size);
WASM_BPF_API wasm_bpf_status wasm_bpf_guest_set_output(wasm_bpf_guest *guest, int guest_fd, wasm_bpf_output_fn fn,
                                                       void *user_data);
WASM_BPF_API wasm_bpf_status wasm_bpf_guest_set_stdin_bytes(wasm_bpf_guest *guest, const void *data, size_t size);

/* Limits, as the options of `wasm-bpf run` of the same name; a value of 0 means "none" for
   the timeout, the write limit and the map memory limit. */
typedef enum wasm_bpf_limit {
  WASM_BPF_LIMIT_MAX_MEMORY = 0,      /* bytes of linear memory (default 1 GiB, at most 4 GiB) */
  WASM_BPF_LIMIT_MAX_OPEN_FILES = 1,  /* guest fds (default 1024) */
  WASM_BPF_LIMIT_MAX_WRITE = 2,       /* bytes written into files under its directories (1 GiB) */
  WASM_BPF_LIMIT_MAX_MAP_MEMORY = 3,  /* kernel memory of its BPF maps (256 MiB) */
  WASM_BPF_LIMIT_MAX_BPF_OBJECTS = 4, /* BPF objects open at once (64) */
  WASM_BPF_LIMIT_TIMEOUT_MS = 5,      /* ask it to finish after this long (none) */
  WASM_BPF_LIMIT_STOP_TIMEOUT_MS = 6, /* then stop it outright after this long (5000) */
  WASM_BPF_LIMIT_KICK_SIGNAL = 7,     /* the signal that cuts blocking calls short (SIGURG) */
  WASM_BPF_LIMIT_MAX_ENUM = 0x7fffffff  /* (an unknown value is an argument error, not UB) */
} wasm_bpf_limit;
WASM_BPF_API wasm_bpf_status wasm_bpf_guest_set_limit(wasm_bpf_guest *guest, wasm_bpf_limit limit, uint64_t value);

/* How the guest's code runs, as `run --engine`: compiled to machine code when first called
   (the default; x86-64 only, interpreted elsewhere) or always interpreted. Compiled code
   turns faults in its memory's guard regions into traps with a SIGSEGV handler installed at
   the first compiled call; a handler the embedder installs later must pass on the faults it
   does not own to the handler it replaced. */
typedef enum wasm_bpf_engine {
  WASM_BPF_ENGINE_COMPILED = 0,
  WASM_BPF_ENGINE_INTERPRETER = 1,
  WASM_BPF_ENGINE_MAX_ENUM = 0x7fffffff
} wasm_bpf_engine;
WASM_BPF_API wasm_bpf_status wasm_bpf_guest_set_engine(wasm_bpf_guest *guest, wasm_bpf_engine engine);

/* What the guest's BPF programs may do beyond observing (docs/security.md): comma-separated
   helper classes ("send-signal", "probe-write-user", "override-return", "sys-bpf", "all") and
   program classes ("xdp", "tc", "cgroup", ..., "all"), as --allow and --allow-program; a
   policy file as --policy. An unknown name fails with WASM_BPF_ERROR_ARGUMENT. Without the
   wasm_bpf host functions (enable 0) the guest may import none of them. */
WASM_BPF_API wasm_bpf_status wasm_bpf_guest_allow(wasm_bpf_guest *guest, const char *helper_classes);
WASM_BPF_API wasm_bpf_status wasm_bpf_guest_allow_program(wasm_bpf_guest *guest, const char *program_classes);
WASM_BPF_API wasm_bpf_status wasm_bpf_guest_add_policy_file(wasm_bpf_guest *guest, const char *path);
WASM_BPF_API wasm_bpf_status wasm_bpf_guest_enable_bpf(wasm_bpf_guest *guest, int enable);
/* Where the runtime's own messages about the guest's BPF objects go (why one did not load),
   one line per call; default: "wasm-bpf: LINE" on stderr. NULL restores the default. */
WASM_BPF_API wasm_bpf_status wasm_bpf_guest_set_diagnostics(wasm_bpf_guest *guest, wasm_bpf_output_fn fn,
                                                            void *user_data);

/* Host functions the guest imports as module_name.name. */
typedef enum wasm_bpf_valkind {
  WASM_BPF_I32 = 0,
  WASM_BPF_I64 = 1,
  WASM_BPF_F32 = 2,
  WASM_BPF_F64 = 3,
  WASM_BPF_VALKIND_MAX_ENUM = 0x7fffffff
} wasm_bpf_valkind;

typedef struct wasm_bpf_val {
  wasm_bpf_valkind kind;
  union {
    int32_t i32;
    int64_t i64;
    float f32;
    double f64;
  } of;
} wasm_bpf_val;

/* The guest calling a host function. Valid only during that call. */
typedef struct wasm_bpf_caller wasm_bpf_caller;
/* The caller's linear memory (its exported "memory"): a pointer to its first byte and its
   size. A pointer from the guest is an offset in it; check offset and length against the
   size before touching it (or use the two functions below, which do). NULL and 0 if the
   guest has no memory. The memory may move when the guest grows it: do not keep the pointer
   beyond the call. */
WASM_BPF_API uint8_t *wasm_bpf_caller_memory(wasm_bpf_caller *caller, size_t *size);
/* Copies between the caller's memory and the host; 0 on success, -1 if [offset, offset+size)
   is not inside its memory (nothing is copied then). */
WASM_BPF_API int wasm_bpf_caller_read(wasm_bpf_caller *caller, uint64_t offset, void *dst, size_t size);
WASM_BPF_API int wasm_bpf_caller_write(wasm_bpf_caller *caller, uint64_t offset, const void *src, size_t size);
/* The guest this call comes from (for wasm_bpf_guest_request_stop, say). */
WASM_BPF_API wasm_bpf_guest *wasm_bpf_caller_guest(wasm_bpf_caller *caller);

/* A host function: args holds the parameters (their kinds as declared), results the slots for
   the results (kinds set; write .of). Return NULL to go on, or a message to trap the guest
   with (copied; e.g. a string literal): the run ends as WASM_BPF_TRAPPED with that message. */
typedef const char *(*wasm_bpf_host_fn)(void *user_data, wasm_bpf_caller *caller, const wasm_bpf_val *args,
                                        wasm_bpf_val *results);
WASM_BPF_API wasm_bpf_status wasm_bpf_guest_add_host_function(wasm_bpf_guest *guest, const char *module_name,
                                                              const char *name, const wasm_bpf_valkind *params,
                                                              size_t param_count, const wasm_bpf_valkind *results,
                                                              size_t result_count, wasm_bpf_host_fn fn,
                                                              void *user_data);

/* Runs the guest to its end (blocking): loads it, links its imports, runs _start. Returns
   WASM_BPF_OK with *result filled for every run that started, however the guest ended (a
   trap's message is in wasm_bpf_guest_message); an error status and message if it could
   not start (WASM_BPF_ERROR_MODULE: not valid WebAssembly; WASM_BPF_ERROR_START: the rest). A guest runs once; a second run fails with WASM_BPF_ERROR_STATE. Every BPF
   program it attached is detached and every object closed before this returns. */
WASM_BPF_API wasm_bpf_status wasm_bpf_guest_run(wasm_bpf_guest *guest, wasm_bpf_result *result);
/* What ended the last run, when it did not simply exit: "integer divide by zero (in function
   `f`)", "timed out", ...; "" otherwise. Valid until the guest is deleted. */
WASM_BPF_API const char *wasm_bpf_guest_message(const wasm_bpf_guest *guest);

/* From any thread, before or during the run: ask the guest to finish (its BPF buffer polls
   return -EINTR, a sleep or read returns early; it is stopped outright after the stop
   timeout), as Ctrl-C does for `wasm-bpf run`; stop it at once; pause it at its next check
   point; resume it. A stop before the run makes the run end at once. */
WASM_BPF_API void wasm_bpf_guest_request_stop(wasm_bpf_guest *guest);
WASM_BPF_API void wasm_bpf_guest_stop(wasm_bpf_guest *guest);
WASM_BPF_API void wasm_bpf_guest_pause(wasm_bpf_guest *guest);
WASM_BPF_API void wasm_bpf_guest_resume(wasm_bpf_guest *guest);

#ifdef __cplusplus
}
#endif

#endif /* WASM_BPF_H */
