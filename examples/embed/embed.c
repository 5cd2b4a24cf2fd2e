/* SPDX-License-Identifier: MIT */
/* embed: a C program that runs a wasm-bpf module through the C API (wasm_bpf.h), the way a
 * monitoring agent would embed eBPF tools instead of starting `wasm-bpf run`:
 *
 *   embed [--seconds N] MODULE.wasm [ARGS...]
 *
 * It prefixes every line the guest prints with "[MODULE] ", gives the guest a host function
 * (host.now_ms) that it may import, and stops the guest gracefully after N seconds (from a
 * second thread) or on Ctrl-C, so that the guest prints its summary and detaches. It exits
 * with the guest's status, as `wasm-bpf run` would. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <wasm_bpf.h>

struct prefixer {
  const char *name;
  FILE *to;
  int at_line_start;
};

static void prefix_lines(void *user, const char *data, size_t size) {
  struct prefixer *p = user;
  for (size_t i = 0; i < size; ++i) {
    if (p->at_line_start) fprintf(p->to, "[%s] ", p->name);
    fputc(data[i], p->to);
    p->at_line_start = data[i] == '\n';
  }
  fflush(p->to);
}

/* host.now_ms() -> i64: milliseconds of CLOCK_MONOTONIC. */
static const char *now_ms(void *user, wasm_bpf_caller *caller, const wasm_bpf_val *args, wasm_bpf_val *results) {
  (void)user;
  (void)caller;
  (void)args;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  results[0].of.i64 = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
  return NULL;
}

struct stopper {
  wasm_bpf_guest *guest;
  unsigned seconds;
  sigset_t signals;
};

/* Waits for SIGINT/SIGTERM or the deadline, then asks the guest to finish; a second signal
 * stops it at once. */
static void *stop_thread(void *arg) {
  struct stopper *s = arg;
  struct timespec limit = {(time_t)s->seconds, 0};
  int asked = 0;
  for (;;) {
    int sig = s->seconds && !asked ? sigtimedwait(&s->signals, NULL, &limit) : sigwaitinfo(&s->signals, NULL);
    if (sig == SIGUSR1) return NULL; /* the guest ended by itself */
    if (asked) {
      wasm_bpf_guest_stop(s->guest);
      return NULL;
    }
    wasm_bpf_guest_request_stop(s->guest);
    asked = 1;
  }
}

int main(int argc, char **argv) {
  unsigned seconds = 0;
  int first = 1;
  if (argc > 2 && strcmp(argv[1], "--seconds") == 0) {
    seconds = (unsigned)strtoul(argv[2], NULL, 10);
    first = 3;
  }
  if (first >= argc) {
    fprintf(stderr, "usage: embed [--seconds N] MODULE.wasm [ARGS...]\n");
    return 2;
  }
  wasm_bpf_guest *guest;
  if (wasm_bpf_guest_new_from_file(argv[first], &guest) != WASM_BPF_OK) {
    fprintf(stderr, "embed: %s\n", wasm_bpf_last_error());
    return 125;
  }
  const char *name = strrchr(argv[first], '/') ? strrchr(argv[first], '/') + 1 : argv[first];
  struct prefixer out = {name, stdout, 1}, err = {name, stderr, 1};
  const wasm_bpf_valkind i64 = WASM_BPF_I64;
  if (wasm_bpf_guest_set_args(guest, (size_t)(argc - first - 1), (const char *const *)argv + first + 1) != WASM_BPF_OK ||
      wasm_bpf_guest_set_output(guest, 1, prefix_lines, &out) != WASM_BPF_OK ||
      wasm_bpf_guest_set_output(guest, 2, prefix_lines, &err) != WASM_BPF_OK ||
      wasm_bpf_guest_add_host_function(guest, "host", "now_ms", NULL, 0, &i64, 1, now_ms, NULL) != WASM_BPF_OK) {
    fprintf(stderr, "embed: %s\n", wasm_bpf_last_error());
    wasm_bpf_guest_delete(guest);
    return 125;
  }

  /* Signals go to the stop thread only. */
  struct stopper stopper;
  stopper.guest = guest;
  stopper.seconds = seconds;
  sigemptyset(&stopper.signals);
  sigaddset(&stopper.signals, SIGINT);
  sigaddset(&stopper.signals, SIGTERM);
  sigaddset(&stopper.signals, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &stopper.signals, NULL);
  pthread_t stop;
  pthread_create(&stop, NULL, stop_thread, &stopper);

  wasm_bpf_result result;
  int status;
  if (wasm_bpf_guest_run(guest, &result) != WASM_BPF_OK) {
    fprintf(stderr, "embed: %s\n", wasm_bpf_last_error());
    status = 125;
  } else {
    if (result.outcome == WASM_BPF_TRAPPED) fprintf(stderr, "embed: %s: %s\n", name, wasm_bpf_guest_message(guest));
    status = result.exit_status;
  }
  pthread_kill(stop, SIGUSR1);
  pthread_join(stop, NULL);
  wasm_bpf_guest_delete(guest);
  return status;
}
