// SPDX-License-Identifier: MIT
// The compiling tier for x86-64 (docs/engine.md, "The compiling tier").
//
// Input: the translator's internal code (code.h), which is already validated and names every
// operand by its frame slot. Each instruction becomes a short machine-code sequence over the
// same slots, so both tiers share one frame layout, one calling convention for arguments
// and results, and one set of semantics (op_semantics.h) for what is not emitted inline.
//
// Registers while compiled code runs:
//   rbx  frame base (slot i is [rbx + 8i])      r12  JitInstance* (globals, memory, entries)
//   r13  JitThread* (limits, interrupt flag, trap report)    r15  linear memory base
//   r14 rbp rsi rdi r9 r11 r8 r10  up to eight locals kept in registers ("pins", below)
//   rax rcx rdx xmm0 xmm1  scratch (rax: the previous result; rcx: an effective address)
// rsp is 16-byte aligned in a function body (the prologue subtracts 8), so helpers written in
// C++ are called directly. Traps leave through JitThread::trap_common, which restores the
// stack pointer saved by the entry trampoline: no unwinding through compiled frames.
#include "wasm/jit.h"

#if defined(__x86_64__)

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <ucontext.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <unordered_set>
#include <stdexcept>
#include <string_view>
#include <vector>

#define XBYAK_NO_OP_NAMES
#include <xbyak/xbyak.h>

#include "wasm/bulk_ops.h"
#include "wasm/code.h"
#include "wasm/interp.h"
#include "wasm/objects.h"
#include "wasm/op_semantics.h"

namespace wb::wasm {

// ---- state reached from compiled code (offsets are used by the generated code) -------------
struct JitThread {
  const std::atomic<uint32_t>* intr = nullptr;  // the store's interrupt flag
  // Every wasm frame of compiled code takes 16 bytes of native stack (return address and
  // alignment), so the call depth is counted by rsp itself: a function may start only if rsp
  // is at or above `limit`, the higher of the native stack's limit and entry_rsp - depth_bytes.
  uintptr_t limit = 0;                          // of the innermost activation
  uint64_t* value_limit = nullptr;              // end of the store's value stack
  uintptr_t native_limit = 0;                   // lowest rsp a function may start with
  uint64_t depth_bytes = 0;                     // 16 x the frames the next activation may use
  uintptr_t depth_limit = 0;                    // entry_rsp - depth_bytes of the innermost one
  uintptr_t callout_rsp = 0;                    // rsp of compiled code's last call to the host
  uintptr_t entry_rsp = 0;                      // rsp of the innermost entry trampoline
  uint32_t trap_code = 0;
  uint32_t trap_func = 0;                       // module function index, or kByPc
  uintptr_t trap_pc = 0;
  JitInstance* trap_ctx = nullptr;              // the instance whose code trapped
  const void* trap_common = nullptr;            // stub: leave with the trap recorded above
  const void* pause_stub = nullptr;             // stub: the interrupt flag is set
  Store* store = nullptr;
  uint32_t activations = 0;
};

struct JitInstance {
  const std::atomic<const void*>* entries = nullptr;  // the module's, one per defined function
  Global* const* globals = nullptr;
  MemoryObj* mem = nullptr;
  InstanceObj* inst = nullptr;
  StoreState* store = nullptr;
  JitModule* module = nullptr;
};

struct JitModule {
  struct Range {
    uintptr_t start, end;
    uint32_t func;  // module function index
  };
  const Module* module = nullptr;
  std::mutex mu;
  std::unique_ptr<std::atomic<const void*>[]> entries;
  std::vector<Range> ranges;                        // compiled functions, for traps by pc
  std::vector<std::pair<uint8_t*, size_t>> chunks;  // code memory, freed with the module
};

namespace jit {
namespace {
using namespace Xbyak::util;
using namespace semantics;

enum TrapCode : uint32_t {
  kOk = 0,
  kUnreachable,
  kDivZero,
  kIntOverflow,
  kBadConversion,
  kMemoryOob,
  kTableOob,
  kUndefinedElement,
  kUninitializedElement,
  kIndirectMismatch,
  kExhausted,
  kInterrupted,
  kHostTrap,        // the Trap is in Store::host_trap_
  kCompileFailed,
};
constexpr uint32_t kByPc = UINT32_MAX;

constexpr int kThIntr = offsetof(JitThread, intr);
constexpr int kThLimit = offsetof(JitThread, limit);
constexpr int kThNativeLimit = offsetof(JitThread, native_limit);
constexpr int kThDepthBytes = offsetof(JitThread, depth_bytes);
constexpr int kThDepthLimit = offsetof(JitThread, depth_limit);
constexpr int kThCalloutRsp = offsetof(JitThread, callout_rsp);
constexpr int kThValueLimit = offsetof(JitThread, value_limit);
constexpr int kThEntryRsp = offsetof(JitThread, entry_rsp);
constexpr int kThTrapCode = offsetof(JitThread, trap_code);
constexpr int kThTrapFunc = offsetof(JitThread, trap_func);
constexpr int kThTrapPc = offsetof(JitThread, trap_pc);
constexpr int kThTrapCtx = offsetof(JitThread, trap_ctx);
constexpr int kThTrapCommon = offsetof(JitThread, trap_common);
constexpr int kThPause = offsetof(JitThread, pause_stub);
constexpr int kInEntries = offsetof(JitInstance, entries);
static_assert(sizeof(RepeatedCall::Record) == 16 && offsetof(RepeatedCall::Record, size) == 8);
constexpr int kEbCode = offsetof(EachBatch, code);
constexpr int kEbCur = offsetof(EachBatch, cur);
constexpr int kEbEnd = offsetof(EachBatch, end);
constexpr int kEbDst = offsetof(EachBatch, dst);
constexpr int kEbStop = offsetof(EachBatch, stop);
constexpr int kEbCtx = offsetof(EachBatch, ctx);
constexpr int kEbDstOffset = offsetof(EachBatch, dst_offset);
constexpr int kEbMax = offsetof(EachBatch, max);
constexpr int kEbStatus = offsetof(EachBatch, status);
constexpr int kInGlobals = offsetof(JitInstance, globals);

// ---- code memory -----------------------------------------------------------------------------
// One reservation for all compiled code, so that "is this pc compiled code" is one range check
// (in the fault handler). Pieces are page-granular; a piece is writable while it is filled and
// executable afterwards, never both (W^X).
constexpr size_t kCodeReservation = size_t{1} << 30;
uint8_t* g_code_base = nullptr;
size_t g_page = 4096;

class CodeHeap {
 public:
  bool init() {
    g_page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    void* p = mmap(nullptr, kCodeReservation, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return false;
    g_code_base = static_cast<uint8_t*>(p);
    return true;
  }
  // A writable piece of at least `bytes`, or nullptr.
  uint8_t* alloc(size_t& bytes) {
    bytes = (bytes + g_page - 1) & ~(g_page - 1);
    std::lock_guard lock(mu_);
    uint8_t* p = nullptr;
    auto it = free_.lower_bound(bytes);
    if (it != free_.end()) {
      p = it->second;
      size_t have = it->first;
      free_.erase(it);
      if (have > bytes) free_.emplace(have - bytes, p + bytes);
    } else {
      if (top_ + bytes > kCodeReservation) return nullptr;
      p = g_code_base + top_;
      top_ += bytes;
    }
    if (mprotect(p, bytes, PROT_READ | PROT_WRITE) != 0) {
      free_.emplace(bytes, p);
      return nullptr;
    }
    return p;
  }
  bool seal(uint8_t* p, size_t bytes) { return mprotect(p, bytes, PROT_READ | PROT_EXEC) == 0; }
  void release(uint8_t* p, size_t bytes) {
    mprotect(p, bytes, PROT_NONE);
    madvise(p, bytes, MADV_DONTNEED);
    std::lock_guard lock(mu_);
    free_.emplace(bytes, p);
  }

 private:
  std::mutex mu_;
  size_t top_ = 0;
  std::multimap<size_t, uint8_t*> free_;
};
CodeHeap g_heap;

// xbyak assembles into plain heap memory; the result is copied into the code heap.
struct PlainAllocator : Xbyak::Allocator {
  uint8_t* alloc(size_t size) override { return static_cast<uint8_t*>(std::malloc(size)); }
  void free(uint8_t* p) override { std::free(p); }
  bool useProtect() const override { return false; }
};
PlainAllocator g_plain;

// ---- runtime stubs (made once) --------------------------------------------------------------
EnterFn g_enter = nullptr;
EachFn g_each = nullptr;
const void* g_trap_common = nullptr;
const void* g_fault_stub = nullptr;
const void* g_lazy_stub = nullptr;
const void* g_pause_stub = nullptr;

const void* lazy_compile(JitInstance* ji, uint32_t def);
uint32_t pause_check(JitThread* t) {
  return t->store->wait_while_paused() ? 0 : 1;
}

// Copies finished code into the code heap and makes it executable; nullptr on failure.
uint8_t* install(const Xbyak::CodeGenerator& g, size_t& bytes) {
  bytes = g.getSize();
  uint8_t* p = g_heap.alloc(bytes);
  if (p == nullptr) return nullptr;
  std::memcpy(p, g.getCode(), g.getSize());
  if (!g_heap.seal(p, bytes)) {
    g_heap.release(p, bytes);
    return nullptr;
  }
  return p;
}

bool make_stubs() {
  struct Stubs : Xbyak::CodeGenerator {
    Xbyak::Label enter, each, trap_common, fault, lazy, pause;
    Stubs() : CodeGenerator(4096, Xbyak::AutoGrow, &g_plain) {
      Xbyak::Label out;
      // uint32_t enter(JitInstance* rdi, JitThread* rsi, uint64_t* fp rdx, code rcx, mem_base r8)
      L(enter);
      push(rbx); push(rbp); push(r12); push(r13); push(r14); push(r15);
      mov(r12, rdi);
      mov(r13, rsi);
      mov(rbx, rdx);
      mov(r15, r8);
      // The enclosing activation's entry_rsp, limit and depth_limit are saved and restored
      // by open() and close() (not here: a repeated call would chain through memory).
      sub(rsp, 8);
      mov(qword[r13 + kThEntryRsp], rsp);
      mov(rax, rsp);
      sub(rax, qword[r13 + kThDepthBytes]);
      mov(qword[r13 + kThDepthLimit], rax);
      cmp(rax, qword[r13 + kThNativeLimit]);
      cmovb(rax, qword[r13 + kThNativeLimit]);
      mov(qword[r13 + kThLimit], rax);
      call(rcx);
      xor_(eax, eax);
      L(out);
      add(rsp, 8);
      pop(r15); pop(r14); pop(r13); pop(r12); pop(rbp); pop(rbx);
      ret();

      // uint32_t each(JitInstance* rdi, JitThread* rsi, uint64_t* fp rdx, EachBatch* rcx,
      // mem_base r8): the same frame as enter (trap_common leaves through `out`), with the
      // batch in the slot below the saved registers. Per record: copy it to guest memory,
      // store the arguments, call, advance; stop after a negative result or once *stop.
      {
        Xbyak::Label loop, small, big, copied, negative, done;
        L(each);
        push(rbx); push(rbp); push(r12); push(r13); push(r14); push(r15);
        mov(r12, rdi);
        mov(r13, rsi);
        mov(rbx, rdx);
        mov(r15, r8);
        sub(rsp, 8);
        mov(qword[rsp], rcx);
        mov(qword[r13 + kThEntryRsp], rsp);
        mov(rax, rsp);
        sub(rax, qword[r13 + kThDepthBytes]);
        mov(qword[r13 + kThDepthLimit], rax);
        cmp(rax, qword[r13 + kThNativeLimit]);
        cmovb(rax, qword[r13 + kThNativeLimit]);
        mov(qword[r13 + kThLimit], rax);
        L(loop);
        mov(r9, qword[rsp]);
        mov(rsi, qword[r9 + kEbCur]);
        cmp(rsi, qword[r9 + kEbEnd]);
        jae(done, T_NEAR);
        mov(rcx, qword[rsi + 8]);  // size
        mov(eax, dword[r9 + kEbMax]);
        cmp(rcx, rax);
        cmova(rcx, rax);
        mov(r10, rcx);
        mov(rsi, qword[rsi]);      // data
        mov(rdi, qword[r9 + kEbDst]);
        cmp(rcx, 8);
        jb(small, T_NEAR);
        cmp(rcx, 16);
        ja(big, T_NEAR);
        mov(rax, qword[rsi]);
        mov(rdx, qword[rsi + rcx - 8]);
        mov(qword[rdi], rax);
        mov(qword[rdi + rcx - 8], rdx);
        jmp(copied, T_NEAR);
        L(small);
        L(big);
        rep();
        movsb();
        L(copied);
        mov(eax, dword[r9 + kEbCtx]);
        mov(qword[rbx], rax);
        mov(eax, dword[r9 + kEbDstOffset]);
        mov(qword[rbx + 8], rax);
        mov(qword[rbx + 16], r10);
        call(qword[r9 + kEbCode]);
        mov(r9, qword[rsp]);
        add(qword[r9 + kEbCur], 16);
        mov(eax, dword[rbx]);
        test(eax, eax);
        js(negative, T_NEAR);
        mov(rax, qword[r9 + kEbStop]);
        cmp(byte[rax], 0);
        je(loop, T_NEAR);
        jmp(done, T_NEAR);
        L(negative);
        mov(dword[r9 + kEbStatus], eax);
        L(done);
        xor_(eax, eax);
        jmp(out, T_NEAR);
      }

      // Leaves the activation; trap_code and trap_func (or trap_pc) are already recorded.
      L(trap_common);
      mov(qword[r13 + kThTrapCtx], r12);
      mov(rsp, qword[r13 + kThEntryRsp]);
      mov(eax, 1);
      jmp(out, T_NEAR);

      // The fault handler resumes here when compiled code touched a guard region.
      L(fault);
      mov(dword[r13 + kThTrapCode], kMemoryOob);
      mov(dword[r13 + kThTrapFunc], kByPc);
      jmp(trap_common, T_NEAR);

      // Entry of a function not compiled yet: r10d is its defined-function index.
      L(lazy);
      sub(rsp, 8);
      mov(rdi, r12);
      mov(esi, r10d);
      mov(rax, reinterpret_cast<uintptr_t>(&lazy_compile));
      call(rax);
      add(rsp, 8);
      test(rax, rax);
      Xbyak::Label failed;
      jz(failed, T_NEAR);
      jmp(rax);
      L(failed);
      mov(dword[r13 + kThTrapCode], kCompileFailed);
      mov(rax, qword[rsp]);
      mov(qword[r13 + kThTrapPc], rax);
      mov(dword[r13 + kThTrapFunc], kByPc);
      jmp(trap_common, T_NEAR);

      // Called from a check point when the interrupt flag is set: returns to continue.
      L(pause);
      sub(rsp, 8);
      mov(rdi, r13);
      mov(rax, reinterpret_cast<uintptr_t>(&pause_check));
      call(rax);
      add(rsp, 8);
      test(eax, eax);
      Xbyak::Label stop;
      jnz(stop, T_NEAR);
      ret();
      L(stop);
      mov(rax, qword[rsp]);
      mov(qword[r13 + kThTrapPc], rax);
      mov(dword[r13 + kThTrapCode], kInterrupted);
      mov(dword[r13 + kThTrapFunc], kByPc);
      jmp(trap_common, T_NEAR);
      ready(PROTECT_RW);
    }
  };
  try {
    Stubs s;
    size_t bytes = 0;
    uint8_t* p = install(s, bytes);
    if (p == nullptr) return false;
    auto at = [&](const Xbyak::Label& l) { return p + (l.getAddress() - s.getCode()); };
    g_enter = reinterpret_cast<EnterFn>(const_cast<uint8_t*>(at(s.enter)));
    g_each = reinterpret_cast<EachFn>(const_cast<uint8_t*>(at(s.each)));
    g_trap_common = at(s.trap_common);
    g_fault_stub = at(s.fault);
    g_lazy_stub = at(s.lazy);
    g_pause_stub = at(s.pause);
    return true;
  } catch (...) {
    return false;
  }
}

// ---- faults -----------------------------------------------------------------------------------
thread_local JitThread* t_running = nullptr;  // the innermost activation's, on this thread
struct sigaction g_old_segv, g_old_bus;

void on_fault(int sig, siginfo_t* info, void* uctx) {
  auto* uc = static_cast<ucontext_t*>(uctx);
  auto pc = static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]);
  JitThread* t = t_running;
  // r15 is the running instance's memory base: the address must lie in its reservation.
  const auto base = static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_R15]);
  const auto addr = reinterpret_cast<uintptr_t>(info->si_addr);
  if (t != nullptr && pc >= reinterpret_cast<uintptr_t>(g_code_base) &&
      pc < reinterpret_cast<uintptr_t>(g_code_base) + kCodeReservation && base != 0 && addr >= base &&
      addr - base < kGuardedReservation) {
    // Compiled code reached past a memory's accessible size (into its guard region): a trap.
    // Any other fault of compiled code is a bug and is not hidden as a trap.
    t->trap_pc = pc;
    uc->uc_mcontext.gregs[REG_RIP] = static_cast<greg_t>(reinterpret_cast<uintptr_t>(g_fault_stub));
    return;
  }
  // Not ours: what was installed before, else the default action (the fault repeats).
  const struct sigaction& old = sig == SIGSEGV ? g_old_segv : g_old_bus;
  if (old.sa_flags & SA_SIGINFO) {
    if (old.sa_sigaction != nullptr) return old.sa_sigaction(sig, info, uctx);
  } else if (old.sa_handler != SIG_DFL && old.sa_handler != SIG_IGN && old.sa_handler != nullptr) {
    return old.sa_handler(sig);
  }
  signal(sig, SIG_DFL);
}

bool install_fault_handler() {
  struct sigaction sa {};
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  return sigaction(SIGSEGV, &sa, &g_old_segv) == 0 && sigaction(SIGBUS, &sa, &g_old_bus) == 0;
}

bool init_once() {
  static const bool ok = [] {
    if (!__builtin_cpu_supports("sse4.1")) return false;
    // A development aid (and how the tests run everything interpreted): WB_ENGINE=interp.
    if (const char* e = std::getenv("WB_ENGINE"); e != nullptr && std::string_view(e) == "interp") return false;
    return g_heap.init() && make_stubs() && install_fault_handler();
  }();
  return ok;
}

// ---- helpers called from compiled code -------------------------------------------------------
// Signature of every helper: (instance, frame, operand words) -> trap code (0: continue).
using Helper = uint32_t (*)(JitInstance*, uint64_t*, const uint32_t*);

#define WB_H_UNOP(name, in, out, expr)                                  \
  uint32_t h_##name(JitInstance*, uint64_t* fp, const uint32_t* w) {    \
    auto a = rd_##in(fp[w[1]]);                                         \
    fp[w[0]] = wr_##out(expr);                                          \
    return 0;                                                           \
  }
WB_UNOPS(WB_H_UNOP)
#undef WB_H_UNOP

#define WB_H_TRUNC(name, in, out, I)                                    \
  uint32_t h_##name(JitInstance*, uint64_t* fp, const uint32_t* w) {    \
    I v{};                                                              \
    int r = checked_trunc<I>(rd_##in(fp[w[1]]), v);                     \
    if (r == 1) return kBadConversion;                                  \
    if (r == 2) return kIntOverflow;                                    \
    fp[w[0]] = wr_##out(v);                                             \
    return 0;                                                           \
  }
WB_TRUNCS(WB_H_TRUNC)
#undef WB_H_TRUNC

#define WB_H_BINOP(name, T, out, expr)                                  \
  uint32_t h_##name(JitInstance*, uint64_t* fp, const uint32_t* w) {    \
    auto a = rd_##T(fp[w[1]]);                                          \
    auto b = rd_##T(fp[w[2]]);                                          \
    fp[w[0]] = wr_##out(expr);                                          \
    return 0;                                                           \
  }
WB_BINOPS(WB_H_BINOP)
#undef WB_H_BINOP

uint32_t call_function(JitInstance* ji, Function* f, uint64_t* nfp);

uint32_t h_call_import(JitInstance* ji, uint64_t* fp, const uint32_t* w) {
  return call_function(ji, ji->inst->funcs_[w[0]], fp + w[1]);
}

// call_indirect: checks the element; returns the callee's code when it is a compiled
// function of this instance (the caller jumps there), else makes the call itself.
uintptr_t h_call_indirect(JitInstance* ji, uint64_t* fp, const uint32_t* w, JitThread* t) {
  InstanceObj* inst = ji->inst;
  TableObj* table = impl(inst->tables_[w[1]]);
  uint32_t i = static_cast<uint32_t>(fp[w[2]]);
  uint32_t code = kOk;
  FunctionObj* f = nullptr;
  if (i >= table->elems_.size()) code = kUndefinedElement;
  else if ((f = impl(reinterpret_cast<Function*>(table->elems_[i]))) == nullptr) code = kUninitializedElement;
  else if (f->type_id_ != inst->type_ids_[w[0]]) code = kIndirectMismatch;
  if (code == kOk && f->instance_ == inst) {
    const uint32_t def = f->index_ - inst->module_->num_imported_funcs;
    const void* entry = ji->entries[def].load(std::memory_order_acquire);
    if (entry == g_lazy_stub) entry = lazy_compile(ji, def);
    if (entry != nullptr) return reinterpret_cast<uintptr_t>(entry);
    code = kCompileFailed;
  } else if (code == kOk) {
    code = call_function(ji, f, fp + w[3]);
    if (code == kOk) return 1;
  }
  t->trap_code = code;
  return 0;
}

uint32_t h_memory_size(JitInstance* ji, uint64_t* fp, const uint32_t* w) {
  fp[w[0]] = ji->mem->size_bytes_ >> 16;
  return 0;
}
uint32_t h_memory_grow(JitInstance* ji, uint64_t* fp, const uint32_t* w) {
  int64_t r = ji->mem->grow(static_cast<uint32_t>(fp[w[1]]));
  fp[w[0]] = static_cast<uint32_t>(static_cast<int32_t>(r));
  return 0;
}
uint32_t check_interrupt(JitInstance* ji) {
  return ji->store->store.keep_running(ji->store->interrupt) ? kOk : kInterrupted;
}
// The shared bodies (bulk_ops.h), their outcome as a trap code.
uint32_t code_of(bulk::Status st) {
  switch (st) {
    case bulk::Status::Ok: return kOk;
    case bulk::Status::MemoryOob: return kMemoryOob;
    case bulk::Status::TableOob: return kTableOob;
    case bulk::Status::Interrupted: return kInterrupted;
  }
  return kOk;
}
uint32_t h_memory_fill(JitInstance* ji, uint64_t* fp, const uint32_t* w) {
  return code_of(bulk::memory_fill(ji->mem, fp, w, [ji] { return check_interrupt(ji) == kOk; }));
}
uint32_t h_memory_copy(JitInstance* ji, uint64_t* fp, const uint32_t* w) {
  return code_of(bulk::memory_copy(ji->mem, fp, w, [ji] { return check_interrupt(ji) == kOk; }));
}
uint32_t h_memory_init(JitInstance* ji, uint64_t* fp, const uint32_t* w) {
  return code_of(bulk::memory_init(ji->inst, ji->mem, fp, w));
}
uint32_t h_data_drop(JitInstance* ji, uint64_t*, const uint32_t* w) {
  ji->inst->data_dropped_[w[0]] = 1;
  return kOk;
}
uint32_t h_table_get(JitInstance* ji, uint64_t* fp, const uint32_t* w) { return code_of(bulk::table_get(ji->inst, fp, w)); }
uint32_t h_table_set(JitInstance* ji, uint64_t* fp, const uint32_t* w) { return code_of(bulk::table_set(ji->inst, fp, w)); }
uint32_t h_table_size(JitInstance* ji, uint64_t* fp, const uint32_t* w) {
  fp[w[0]] = static_cast<uint32_t>(impl(ji->inst->tables_[w[1]])->elems_.size());
  return kOk;
}
uint32_t h_table_grow(JitInstance* ji, uint64_t* fp, const uint32_t* w) {
  bulk::table_grow(ji->inst, fp, w);
  return kOk;
}
uint32_t h_table_fill(JitInstance* ji, uint64_t* fp, const uint32_t* w) { return code_of(bulk::table_fill(ji->inst, fp, w)); }
uint32_t h_table_copy(JitInstance* ji, uint64_t* fp, const uint32_t* w) { return code_of(bulk::table_copy(ji->inst, fp, w)); }
uint32_t h_table_init(JitInstance* ji, uint64_t* fp, const uint32_t* w) { return code_of(bulk::table_init(ji->inst, fp, w)); }
uint32_t h_elem_drop(JitInstance* ji, uint64_t*, const uint32_t* w) {
  bulk::elem_drop(ji->inst, w);
  return kOk;
}
uint32_t h_ref_func(JitInstance* ji, uint64_t* fp, const uint32_t* w) {
  fp[w[0]] = reinterpret_cast<uintptr_t>(ji->inst->funcs_[w[1]]);
  return 0;
}
uint32_t h_copy_n(JitInstance*, uint64_t* fp, const uint32_t* w) {
  std::memmove(fp + w[0], fp + w[1], static_cast<size_t>(w[2]) * sizeof(uint64_t));
  return 0;
}

// A call the compiled code does not make itself: a host function, or a wasm function of
// another instance (a nested activation of whichever tier runs that instance).
uint32_t call_function(JitInstance* ji, Function* f, uint64_t* nfp) {
  StoreState& st = *ji->store;
  if (f->is_host()) {
    st.host_trap_ = st.call_host(f, nfp, ji->inst);
    return st.host_trap_.has_value() ? kHostTrap : kOk;
  }
  uint64_t* saved = st.stack_top_;
  st.stack_top_ = nfp;
  std::optional<Trap> trap = st.run(f, nfp);
  st.stack_top_ = saved;
  if (trap) {
    st.host_trap_ = std::move(trap);
    return kHostTrap;
  }
  return kOk;
}

Helper special_helper(Op op) {
  switch (op) {
    case Op::memory_size: return h_memory_size;
    case Op::memory_grow: return h_memory_grow;
    case Op::memory_fill: return h_memory_fill;
    case Op::memory_copy: return h_memory_copy;
    case Op::memory_init: return h_memory_init;
    case Op::data_drop: return h_data_drop;
    case Op::table_get: return h_table_get;
    case Op::table_set: return h_table_set;
    case Op::table_size: return h_table_size;
    case Op::table_grow: return h_table_grow;
    case Op::table_fill: return h_table_fill;
    case Op::table_copy: return h_table_copy;
    case Op::table_init: return h_table_init;
    case Op::elem_drop: return h_elem_drop;
    case Op::ref_func: return h_ref_func;
    case Op::copy_n: return h_copy_n;
    default: return nullptr;
  }
}

// Helpers of the numeric operations not emitted inline, and whether they can trap.
struct NumHelper {
  Helper fn = nullptr;
  bool traps = false;
};
const NumHelper* num_helpers() {
  static const auto table = [] {
    auto* t = new NumHelper[static_cast<size_t>(Op::kCount)];
#define WB_SET(name, ...) t[static_cast<size_t>(Op::name)] = {h_##name, false};
#define WB_SET_TRAP(name, ...) t[static_cast<size_t>(Op::name)] = {h_##name, true};
    WB_UNOPS(WB_SET) WB_BINOPS(WB_SET) WB_TRUNCS(WB_SET_TRAP)
#undef WB_SET
#undef WB_SET_TRAP
    return t;
  }();
  return table;
}

// ---- the compiler ---------------------------------------------------------------------------

// A fused load + binary operation, read from its X-macro names at compile time.
struct MemBinop {
  bool fp;          // f32/f64 (else i32/i64)
  bool wide;        // 64-bit
  int kind;         // float: 0 add 1 sub 2 mul; integer: 0 add 1 sub 2 and 3 or 4 xor
  bool byte_load;   // i32.load8_u
};
constexpr MemBinop membinop_shape(std::string_view binop, std::string_view load) {
  const std::string_view kind = binop.substr(4);
  const bool fp = binop[0] == 'f';
  int k = 0;
  if (fp) k = kind == "add" ? 0 : kind == "sub" ? 1 : 2;
  else k = kind == "add" ? 0 : kind == "sub" ? 1 : kind == "and" ? 2 : kind == "or" ? 3 : 4;
  return MemBinop{fp, binop[1] == '6', k, load == "i32_load8_u"};
}

enum class Cc { E, NE, L, B, G, A, LE, BE, GE, AE };


// Compiles a batch of functions of one module into one piece of code.
class Batch : public Xbyak::CodeGenerator {
 public:
  Batch(const Module& m, const std::vector<uint32_t>& defs)
      : CodeGenerator(64 * 1024, Xbyak::AutoGrow, &g_plain), m_(m), defs_(defs) {
    starts_.resize(defs.size());
    for (size_t i = 0; i < defs.size(); ++i) index_of_.emplace(defs[i], i);
  }

  void compile() {
    for (size_t i = 0; i < defs_.size(); ++i) function(i);
    ready(PROTECT_RW);
    // Jump tables of br_table: 32-bit offsets from the table, known once labels are placed.
    for (auto& jt : tables_) {
      const uint8_t* base = jt.table.getAddress();
      auto* slots = const_cast<int32_t*>(reinterpret_cast<const int32_t*>(base));
      for (size_t k = 0; k < jt.targets.size(); ++k)
        slots[k] = static_cast<int32_t>(jt.targets[k]->getAddress() - base);
    }
  }
  size_t offset_of(size_t i) const { return starts_[i].getAddress() - getCode(); }
  size_t end_of(size_t i) const { return ends_[i]; }

 private:
  // xbyak gives a label its identity when it is first used, so labels are kept in place
  // (new_label) and referred to by pointer, never copied.
  struct JumpTable {
    Xbyak::Label table;
    std::vector<Xbyak::Label*> targets;
  };
  struct Slow {
    Xbyak::Label at;
    Xbyak::Label* resume = nullptr;
    bool in_body = true;  // false: the entry check, before the locals are in their registers
  };
  Xbyak::Label& new_label() { return label_store_.emplace_back(); }

  Xbyak::Address S(uint32_t s) const { return qword[rbx + static_cast<int32_t>(s * 8)]; }
  Xbyak::Address S32(uint32_t s) const { return dword[rbx + static_cast<int32_t>(s * 8)]; }

  Xbyak::Label& label_at(uint32_t word) {
    auto [it, fresh] = labels_.try_emplace(word, nullptr);
    if (fresh) it->second = &new_label();
    return *it->second;
  }
  // The interrupt check in front of a loop head (the target of a backward branch).
  Xbyak::Label& head_check_at(uint32_t word) {
    auto [it, fresh] = head_checks_.try_emplace(word, nullptr);
    if (fresh) it->second = &new_label();
    return *it->second;
  }
  Xbyak::Label& trap(uint32_t code) {
    auto [it, fresh] = traps_.try_emplace(code, nullptr);
    if (fresh) it->second = &new_label();
    return *it->second;
  }

  void call_helper(const void* fn) {
    mov(rax, reinterpret_cast<uintptr_t>(fn));
    call(rax);
  }
  // (instance, frame, operand words) -> trap code
  void helper(Helper fn, const uint32_t* w, bool can_trap) {
    spill_pins();
    mov(rdi, r12);
    mov(rsi, rbx);
    mov(rdx, reinterpret_cast<uintptr_t>(w));
    call_helper(reinterpret_cast<const void*>(fn));
    if (can_trap) {
      test(eax, eax);
      jnz(trap(0), T_NEAR);  // 0: the helper's code is in eax
    }
    called_out_ = true;
  }
  // The interrupt check of loop back-edges and function entries.
  void interrupt_check(Xbyak::Label& resume, bool in_body = true) {
    slow_.emplace_back();
    Slow& s = slow_.back();
    s.in_body = in_body;
    mov(rax, qword[r13 + kThIntr]);
    cmp(dword[rax], 0);
    jne(s.at, T_NEAR);
    s.resume = &resume;
  }
  void jcc(Cc c, const Xbyak::Label& l) {
    switch (c) {
      case Cc::E: je(l, T_NEAR); break;
      case Cc::NE: jne(l, T_NEAR); break;
      case Cc::L: jl(l, T_NEAR); break;
      case Cc::B: jb(l, T_NEAR); break;
      case Cc::G: jg(l, T_NEAR); break;
      case Cc::A: ja(l, T_NEAR); break;
      case Cc::LE: jle(l, T_NEAR); break;
      case Cc::BE: jbe(l, T_NEAR); break;
      case Cc::GE: jge(l, T_NEAR); break;
      case Cc::AE: jae(l, T_NEAR); break;
    }
  }
  static Cc negate(Cc c) {
    switch (c) {
      case Cc::E: return Cc::NE;
      case Cc::NE: return Cc::E;
      case Cc::L: return Cc::GE;
      case Cc::B: return Cc::AE;
      case Cc::G: return Cc::LE;
      case Cc::A: return Cc::BE;
      case Cc::LE: return Cc::G;
      case Cc::BE: return Cc::A;
      case Cc::GE: return Cc::L;
      case Cc::AE: return Cc::B;
    }
    return Cc::E;
  }
  void setcc(Cc c, const Xbyak::Reg8& r) {
    switch (c) {
      case Cc::E: sete(r); break;
      case Cc::NE: setne(r); break;
      case Cc::L: setl(r); break;
      case Cc::B: setb(r); break;
      case Cc::G: setg(r); break;
      case Cc::A: seta(r); break;
      case Cc::LE: setle(r); break;
      case Cc::BE: setbe(r); break;
      case Cc::GE: setge(r); break;
      case Cc::AE: setae(r); break;
    }
  }
  // A branch to code word `target` from the instruction at `at`, taken when the flags say
  // `c` (or always): backward branches check the interrupt flag.
  void branch(uint32_t at, int32_t rel, std::optional<Cc> c) {
    uint32_t target = static_cast<uint32_t>(static_cast<int64_t>(at) + rel);
    Xbyak::Label& dest = label_at(target);
    if (rel > 0) {
      if (c) jcc(*c, dest);
      else jmp(dest, T_NEAR);
      return;
    }
    // A back-edge: to the check in front of the loop head (see function()).
    Xbyak::Label& check = head_check_at(target);
    if (c) jcc(*c, check);
    else jmp(check, T_NEAR);
  }

  // Effective address of a memory access: rcx = (addr + add) mod 2^32; the returned operand
  // adds the static offset (what does not fit a displacement is added to rcx first, in
  // pieces that fit an immediate: only rcx changes).
  Xbyak::RegExp mem_at(uint32_t addr_slot, uint32_t offset, uint32_t plus) {
    const bool plain = plus == 0 && offset <= 0x7FFFFFFFu;
    if (plain && ecx_holds_ == static_cast<int64_t>(addr_slot))
      return r15 + rcx + static_cast<int32_t>(offset);  // the previous access's address register
    ecx_holds_ = -1;  // rcx changes now
    ecx_next_ = plain && pin(addr_slot) != nullptr ? static_cast<int64_t>(addr_slot) : -1;
    // A 32-bit lea of a register and the addend wraps like the i32.add it stands for.
    const Xbyak::Reg64* src = reg_of(addr_slot);
    if (src != nullptr && plus != 0) {
      lea(ecx, ptr[*src + static_cast<int32_t>(plus)]);
    } else {
      if (src != nullptr) mov(ecx, src->cvt32());
      else slot_operand(addr_slot, false, [&](const Xbyak::Operand& o) { mov(ecx, o); });
      if (plus != 0) add(ecx, plus);
    }
    uint32_t rest = offset;
    for (; rest > 0x7FFFFFFFu; rest -= 0x7FFFFFFFu) add(rcx, 0x7FFFFFFF);
    return r15 + rcx + static_cast<int32_t>(rest);
  }
  // The instruction after the one at `at` (op) reads slot s, as far as for_each_read knows,
  // and is not a branch target (where rax holds nothing known).
  bool next_reads(uint32_t at, Op op, uint32_t s) const {
    const uint32_t next = at + instruction_words(code_ + at, op);
    if (next >= code_size_ || targets_->count(next)) return false;
    return reads_slot(op_at(code_ + next), code_ + next + 2, s);
  }
  // Register r as an operand of a 64-bit (wide) or 32-bit instruction.
  static Xbyak::Reg view(const Xbyak::Reg64& r, bool wide) { return wide ? Xbyak::Reg(r) : Xbyak::Reg(r.cvt32()); }
  // The register that holds slot s's value now: rax (the previous result) or the local's own
  // register; nullptr when it is only in its slot.
  const Xbyak::Reg64* reg_of(uint32_t s) const { return in_ == static_cast<int64_t>(s) ? &rax : pin(s); }
  // The value of slot s into r (its low 32 bits, zero-extended, unless wide).
  void load_to(const Xbyak::Reg64& r, uint32_t s, bool wide) {
    const Xbyak::Reg64* from = reg_of(s);
    if (from == &r) return;
    const Xbyak::Reg d = view(r, wide);
    if (from != nullptr) mov(d, view(*from, wide));
    else slot_operand(s, wide, [&](const Xbyak::Operand& o) { mov(d, o); });
  }
  // The value of slot s into eax/rax (nothing to do when rax holds it already).
  void load_rax(uint32_t s, bool wide) { load_to(rax, s, wide); }
  // rax now holds slot s's value (its 64 bits).
  void result_in_rax(uint32_t s) {
    if (const Xbyak::Reg64* p = pin(s)) {
      mov(*p, rax);  // the register is the local's value
    } else if (static_cast<int64_t>(s) != dead_store_) {
      mov(S(s), rax);
      if (rdx_ok_ && read_later(s)) {
        mov(rdx, rax);
        rdx_holds_ = s;
        rdx_set_ = true;
      }
    }
    out_ = s;
    refreshed_ = s;
  }
  // Operations whose code writes rdx only through the cache above (a store's value).
  static bool rdx_safe(Op op) {
    bool wide;
    Cc cc;
    switch (op) {
      case Op::const32: case Op::const64: case Op::copy:
      case Op::br: case Op::br_z: case Op::br_nz: case Op::br_z64: case Op::br_nz64: case Op::br_and_z: case Op::br_and_nz:
        return true;
      default:
        return (op >= Op::i32_load && op <= Op::i64_store32) || int_binop_kind(op) >= 0 || int_cmp(op, cc, wide);
    }
  }
  // Slot s, just written by the current instruction (at_), is read by one of the three
  // instructions after the next (the next one finds it in rax), with nothing that may write
  // rdx or s, and no branch target, in between.
  bool read_later(uint32_t s) const {
    uint32_t at = at_ + instruction_words(code_ + at_, op_at(code_ + at_));
    for (int k = 0; k < 4; ++k) {
      if (at >= code_size_ || targets_->count(at)) return false;
      const Op op = op_at(code_ + at);
      const uint32_t* w = code_ + at + 2;
      if (!rdx_safe(op)) return false;
      if (reads_slot(op, w, s)) return k > 0;
      if (writes_w0(op) && w[0] == s) return false;
      at += instruction_words(code_ + at, op);
    }
    return false;
  }
  // f(operand) with slot s as an operand: rdx when it holds s, else the slot (its 64 bits
  // when wide, else its low 32).
  template <class F>
  void slot_operand(uint32_t s, bool wide, F&& f) {
    if (rdx_holds_ == static_cast<int64_t>(s)) f(view(rdx, wide));
    else if (wide) f(S(s));
    else f(S32(s));
  }

  // ---- locals kept in registers
  // The most used locals of a function live in registers: writes go to the register only, and
  // the slot is brought up to date (spilled) only where something reads slots from memory:
  // before a call out of the function (helpers, host calls, wasm calls, the pause stub),
  // before an instruction whose code reads operands from their slots (any operand word that
  // names a pinned local spills it), and the results before a return. Locals never written
  // by the function (parameters only read) are never spilled. Callee-saved or not, the
  // registers are reloaded from the slots after every call out of the function.
  static constexpr int kPins = 8;
  const Xbyak::Reg64* pin(uint32_t s) const {
    for (int i = 0; i < pins_; ++i)
      if (pin_slot_[i] == s) return &pin_reg(i);
    return nullptr;
  }
  static const Xbyak::Reg64& pin_reg(int i) {
    namespace u = Xbyak::util;
    static const Xbyak::Reg64 regs[kPins] = {u::r14, u::rbp, u::rsi, u::rdi, u::r9, u::r11, u::r8, u::r10};
    return regs[i];
  }
  void reload_pins() {
    for (int i = 0; i < pins_; ++i) mov(pin_reg(i), S(pin_slot_[i]));
  }
  void spill_pins() {
    for (int i = 0; i < pins_; ++i)
      if (written_pins_ & (1u << i)) mov(S(pin_slot_[i]), pin_reg(i));
  }
  // Spills the written pinned locals among an instruction's operand words (some words are
  // immediates or offsets that happen to equal a slot: a harmless extra store).
  void spill_pins_named(const uint32_t* w, uint32_t nwords) {
    uint32_t done = 0;
    for (uint32_t k = 0; k < nwords; ++k)
      for (int i = 0; i < pins_; ++i)
        if (pin_slot_[i] == w[k] && (written_pins_ & (1u << i)) && !(done & (1u << i))) {
          mov(S(pin_slot_[i]), pin_reg(i));
          done |= 1u << i;
        }
  }
  // Which pinned locals the function writes (only those can be out of date in their slots).
  void find_written_pins(const CompiledFunction& cf) {
    written_pins_ = 0;
    for (uint32_t at = 0; at < cf.code_size;) {
      const Op op = op_at(cf.code + at);
      const uint32_t* w = cf.code + at + 2;
      for (int i = 0; i < pins_; ++i) {
        const uint32_t slot = pin_slot_[i];
        if ((writes_w0(op) && w[0] == slot) || (op == Op::copy2 && w[2] == slot) || op == Op::copy_n)
          written_pins_ |= 1u << i;
      }
      at += instruction_words(cf.code + at, op);
    }
  }
  // Operations whose code reads every pinned operand from its register (never its slot).
  static bool pin_safe(Op op) {
    bool wide;
    Cc cc;
    switch (op) {
      case Op::const32: case Op::const64: case Op::copy: case Op::select: case Op::global_get:
      case Op::global_set: case Op::br: case Op::br_z: case Op::br_nz: case Op::br_z64: case Op::br_nz64:
      case Op::br_and_z: case Op::br_and_nz: case Op::br_table: case Op::ret:
        return true;
      default:
        break;
    }
    if (op >= Op::i32_load && op <= Op::i64_load32_u) return true;
    if (op >= Op::i32_store && op <= Op::i64_store32) return true;
    if (is_membinop(op) || is_float_arith(op)) return true;
    return int_binop_kind(op) >= 0 || int_cmp(op, cc, wide);
  }
  // The offset (in words, from the instruction's start) of a branch with one target; nullopt
  // for every other instruction, br_table included.
  static std::optional<int32_t> branch_rel(Op op, const uint32_t* w) {
    switch (op) {
      case Op::br: return static_cast<int32_t>(w[0]);
      case Op::br_z: case Op::br_nz: case Op::br_z64: case Op::br_nz64: return static_cast<int32_t>(w[1]);
      case Op::br_and_z: case Op::br_and_nz: return static_cast<int32_t>(w[2]);
      default: return is_cmp_branch(op) ? std::optional<int32_t>(static_cast<int32_t>(w[2])) : std::nullopt;
    }
  }
  // Chooses the locals to keep in registers: those read most often, reads inside loops
  // counting more.
  void choose_pins(const CompiledFunction& cf) {
    pins_ = 0;
    if (cf.num_locals == 0) return;
    std::vector<uint64_t> weight(cf.num_locals, 0);
    // Loop bodies: the ranges that backward branches jump over, one per loop head (further
    // back-edges to the same head only extend it).
    std::vector<uint32_t> loop_end(cf.code_size, 0);  // 0: no loop starts here
    for (uint32_t at = 0; at < cf.code_size;) {
      const Op op = op_at(cf.code + at);
      const uint32_t* w = cf.code + at + 2;
      const int32_t rel = branch_rel(op, w).value_or(0);
      if (rel < 0 && static_cast<uint32_t>(-static_cast<int64_t>(rel)) <= at) {
        const uint32_t head = at + rel;
        loop_end[head] = std::max(loop_end[head], at);
      }
      at += instruction_words(cf.code + at, op);
    }
    // A read counts 10 times more for each loop around it (up to four deep), so that the
    // locals of an inner loop win over those of the loops around it. The depth at each word
    // is a running sum of loop starts and ends (linear in the code, however many loops).
    std::vector<int32_t> delta(cf.code_size + 1, 0);
    for (uint32_t head = 0; head < cf.code_size; ++head) {
      if (loop_end[head] == 0) continue;
      ++delta[head];
      --delta[loop_end[head] + 1];
    }
    static constexpr uint64_t kScale[] = {1, 10, 100, 1000, 10000};
    int32_t depth = 0;
    uint32_t summed = 0;  // delta[0, summed) is in depth
    for (uint32_t at = 0; at < cf.code_size;) {
      const Op op = op_at(cf.code + at);
      const uint32_t* w = cf.code + at + 2;
      while (summed <= at) depth += delta[summed++];
      const uint64_t inc = kScale[std::clamp(depth, 0, 4)];
      auto use = [&](uint32_t slot) {
        if (slot < cf.num_locals) weight[slot] += inc;
      };
      for_each_read(op, w, use);
      at += instruction_words(cf.code + at, op);
    }
    std::vector<uint32_t> order(cf.num_locals);
    for (uint32_t i = 0; i < cf.num_locals; ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return weight[a] > weight[b]; });
    for (uint32_t i = 0; i < cf.num_locals && pins_ < kPins; ++i) {
      if (weight[order[i]] < 3) break;
      pin_slot_[pins_++] = order[i];
    }
  }
  // Calls f(slot) for the slots instruction `op` reads (as far as choosing pins needs).
  template <class F>
  static void for_each_read(Op op, const uint32_t* w, F&& f) {
    if (is_cmp_branch(op)) {
      f(w[0]);
      if (!is_cmp_si(op)) f(w[1]);
      return;
    }
    switch (op) {
      case Op::br_z: case Op::br_nz: case Op::br_z64: case Op::br_nz64: case Op::br_and_z: case Op::br_and_nz:
      case Op::br_table:
        f(w[0]);
        return;
      case Op::copy: f(w[1]); return;
      case Op::copy2: f(w[1]); f(w[3]); return;
      case Op::select: f(w[1]); f(w[2]); f(w[3]); return;
      case Op::global_set: f(w[1]); return;
      default: break;
    }
    if (op >= Op::i32_load && op <= Op::i64_load32_u) {
      f(w[1]);
    } else if (op >= Op::i32_store && op <= Op::i64_store32) {
      f(w[0]);
      f(w[1]);
    } else if (op >= Op::i32_add__i32_load && op < Op::kCount) {
      f(w[1]);
      f(w[2]);
    } else if (op >= Op::i32_div_s && op <= Op::i64_rem_u) {
      f(w[1]);
      f(w[2]);
    } else {
      bool wide;
      Cc cc;
      if (int_cmp(op, cc, wide) || int_binop_kind(op) >= 0) {
        f(w[1]);
        if (!is_cmp_si(op) && !is_binop_si(op)) f(w[2]);
      }
    }
  }
  // Whether instruction `op` reads slot s (as far as for_each_read knows).
  static bool reads_slot(Op op, const uint32_t* w, uint32_t s) {
    bool reads = false;
    for_each_read(op, w, [&](uint32_t r) { reads |= r == s; });
    return reads;
  }
  // What the emitters ask of an operation, worked out once for all of them (they ask
  // several times per instruction).
  struct OpClass {
    bool cmp = false;         // an integer comparison (value or branch form)
    bool cmp_wide = false;    // of i64 operands
    bool cmp_si = false;      // its second operand is an immediate
    bool cmp_branch = false;  // compare-and-branch
    Cc cc = Cc::E;
    bool binop = false;       // an integer binary operation with an _si form
    bool binop_si = false;    // ... in its _si form
  };
  static const OpClass& op_class(Op op) {
    static const std::array<OpClass, static_cast<size_t>(Op::kCount)> table = [] {
      std::array<OpClass, static_cast<size_t>(Op::kCount)> t{};
      auto at = [&t](Op o) -> OpClass& { return t[static_cast<size_t>(o)]; };
#define WB_CMP_ROW(name, T, expr)                                                          \
  for (Op o : {Op::name, Op::name##_si, Op::br_##name##_ss, Op::br_##name##_si}) {         \
    at(o).cmp = true;                                                                       \
    at(o).cmp_wide = #T[1] == '6';                                                          \
    at(o).cc = cc_named(#name + 4);                                                         \
  }                                                                                         \
  at(Op::name##_si).cmp_si = at(Op::br_##name##_si).cmp_si = true;                          \
  at(Op::br_##name##_ss).cmp_branch = at(Op::br_##name##_si).cmp_branch = true;
      WB_CMPS(WB_CMP_ROW)
#undef WB_CMP_ROW
#define WB_BIN_ROW(name, ...)                            \
  at(Op::name).binop = at(Op::name##_si).binop = true; \
  at(Op::name##_si).binop_si = true;
      WB_BINOPS_IMM(WB_BIN_ROW)
#undef WB_BIN_ROW
      return t;
    }();
    return table[static_cast<size_t>(op)];
  }
  static int int_binop_kind(Op op) { return op_class(op).binop ? 1 : -1; }
  static bool is_binop_si(Op op) { return op_class(op).binop_si; }
  // The slot an instruction reads (only through rax when it is there) and then overwrites
  // with its result, or -1: integer operations whose first operand is their destination.
  int64_t overwrites_first_operand(Op op, const uint32_t* w) const {
    if (pin(w[0]) != nullptr) return -1;  // a local kept in a register: not the case here
    const bool si = is_binop_si(op) || is_cmp_si(op);
    bool wide;
    Cc cc;
    if (is_cmp_branch(op) || (int_binop_kind(op) < 0 && !int_cmp(op, cc, wide))) return -1;
    if (w[0] != w[1] || (!si && w[2] == w[1])) return -1;
    return w[0];
  }

  // Exactly which slots an instruction reads and writes, for the kinds the dead-store scan
  // understands; false for any other (the scan then takes the value as still needed).
  struct Access {
    uint32_t reads[3];
    int nreads = 0;
    int64_t write = -1;
  };
  static bool is_f64_arith(Op op) { return op >= Op::f64_add && op <= Op::f64_div; }
  static bool is_float_arith(Op op) {
    return (op >= Op::f32_add && op <= Op::f32_div) || is_f64_arith(op);
  }
  static bool is_membinop(Op op) { return op >= Op::i32_add__i32_load && op < Op::kCount; }
  static bool is_f64_membinop(Op op) {
    return op == Op::f64_add__f64_load || op == Op::f64_sub__f64_load || op == Op::f64_mul__f64_load;
  }
  bool slot_access(Op op, const uint32_t* w, Access& a) const {
    auto two = [&](uint32_t x, uint32_t y) {
      a.reads[0] = x;
      a.reads[1] = y;
      a.nreads = 2;
    };
    auto one = [&](uint32_t x) {
      a.reads[0] = x;
      a.nreads = 1;
    };
    bool wide;
    Cc cc;
    if (op == Op::const32 || op == Op::const64 || op == Op::global_get) {
      a.write = w[0];
    } else if (op == Op::global_set) {
      one(w[1]);
    } else if (op == Op::select) {
      two(w[1], w[2]);
      a.reads[2] = w[3];
      a.nreads = 3;
      a.write = w[0];
    } else if (op == Op::copy || (op >= Op::i32_load && op <= Op::i64_load32_u)) {
      one(w[1]);
      a.write = w[0];
    } else if (op >= Op::i32_store && op <= Op::i64_store32) {
      two(w[0], w[1]);
    } else if (is_membinop(op) || is_float_arith(op)) {
      two(w[1], w[2]);
      a.write = w[0];
    } else if (!is_cmp_branch(op) && (int_binop_kind(op) >= 0 || int_cmp(op, cc, wide))) {
      if (is_binop_si(op) || is_cmp_si(op)) one(w[1]);
      else two(w[1], w[2]);
      a.write = w[0];
    } else {
      return false;
    }
    return true;
  }
  // Whether slot s is written before it is read again on every path from `at`: the scan
  // follows branches (both ways of a conditional one) and loops (a jump to a position the
  // scan has jumped to before adds no path it did not cover). A br_table, an instruction
  // slot_access does not know, or more than 64 instructions: taken as read.
  static constexpr int kScanBudget = 64;
  bool dead_after(uint32_t at, uint32_t s) const {
    int budget = kScanBudget;
    uint32_t seen[kScanBudget];
    int nseen = 0;
    return dead_from(at, s, budget, seen, nseen);
  }
  // The same from `at`, where the scan starts or a jump lands (each level of recursion
  // spends budget, so it is at most kScanBudget deep).
  bool dead_from(uint32_t at, uint32_t s, int& budget, uint32_t* seen, int& nseen) const {
    for (int i = 0; i < nseen; ++i)
      if (seen[i] == at) return true;
    if (nseen == kScanBudget) return false;
    seen[nseen++] = at;
    while (at < code_size_) {
      if (--budget < 0) return false;
      const Op op = op_at(code_ + at);
      const uint32_t* w = code_ + at + 2;
      if (op == Op::ret) return s >= num_results_;  // only the results are read after it
      if (const std::optional<int32_t> rel = branch_rel(op, w)) {
        if (op == Op::br) return dead_from(at + *rel, s, budget, seen, nseen);
        // (a conditional branch reads its condition's operands)
        if (reads_slot(op, w, s) || !dead_from(at + *rel, s, budget, seen, nseen)) return false;
        at += instruction_words(code_ + at, op);
        continue;
      }
      if (op == Op::copy2) {  // two copies in order
        if (w[1] == s) return false;
        if (w[0] == s) return true;
        if (w[3] == s) return false;
        if (w[2] == s) return true;
        at += instruction_words(code_ + at, op);
        continue;
      }
      Access a;
      if (!slot_access(op, w, a)) return false;
      for (int r = 0; r < a.nreads; ++r)
        if (a.reads[r] == s) return false;
      if (a.write == static_cast<int64_t>(s)) return true;
      at += instruction_words(code_ + at, op);
    }
    return false;
  }
  // The f64 result the instruction at `at` leaves in xmm0 need not be stored to its slot: the
  // next instruction takes it from xmm0 (and only from there), and nothing reads the slot
  // before it is written again.
  int64_t xmm_dead_store(uint32_t at, Op op, const uint32_t* w) const {
    if (!is_f64_arith(op) && !is_f64_membinop(op)) return -1;
    const uint32_t s = w[0];
    if (pin(s) != nullptr) return -1;
    const uint32_t next = at + instruction_words(code_ + at, op);
    if (next >= code_size_ || targets_->count(next)) return -1;
    const Op nop = op_at(code_ + next);
    const uint32_t* nw = code_ + next + 2;
    bool from_xmm = false;
    if (is_f64_arith(nop)) from_xmm = (nw[1] == s) != (nw[2] == s);
    else if (is_f64_membinop(nop)) from_xmm = nw[1] == s && nw[2] != s;
    else if (nop == Op::i64_store) from_xmm = nw[1] == s && nw[0] != s;
    if (!from_xmm) return -1;
    if (nw[0] == s && nop != Op::i64_store) return s;  // overwritten by that instruction
    return dead_after(next + instruction_words(code_ + next, nop), s) ? s : -1;
  }
  // The same for an integer result left in rax, for the operations that end with
  // result_in_rax and the next instructions that read the operand from rax when it is there.
  int64_t rax_dead_store(uint32_t at, Op op, const uint32_t* w) const {
    bool wide;
    Cc cc;
    const bool producer = op == Op::const32 || op == Op::const64 || op == Op::copy || op == Op::select ||
                          op == Op::global_get || (op >= Op::i32_load && op <= Op::i64_load32_u) ||
                          (is_membinop(op) && !is_float_membinop(op)) || int_binop_kind(op) >= 0 ||
                          (!is_cmp_branch(op) && int_cmp(op, cc, wide));
    if (!producer) return -1;
    const uint32_t s = w[0];
    if (pin(s) != nullptr) return -1;
    const uint32_t next = at + instruction_words(code_ + at, op);
    if (next >= code_size_ || targets_->count(next)) return -1;
    const Op nop = op_at(code_ + next);
    const uint32_t* nw = code_ + next + 2;
    bool from_rax = false;
    if (nop >= Op::i32_load && nop <= Op::i64_load32_u) {
      from_rax = nw[1] == s;
    } else if (nop >= Op::i32_store && nop <= Op::i64_store32) {
      from_rax = nw[0] == s || nw[1] == s;
    } else if (is_float_membinop(nop)) {
      from_rax = nw[2] == s && nw[1] != s;
    } else if (is_membinop(nop)) {
      from_rax = nw[1] == s || nw[2] == s;
    } else if (nop == Op::copy) {
      from_rax = nw[1] == s;
    } else if (nop == Op::select) {
      from_rax = nw[1] == s && nw[2] != s && nw[3] != s;
    } else if (!is_cmp_branch(nop) && (int_binop_kind(nop) >= 0 || int_cmp(nop, cc, wide))) {
      const bool si = is_binop_si(nop) || is_cmp_si(nop);
      const bool shift = int_binop_kind(nop) >= 0 && is_shift(nop);
      from_rax = (nw[1] == s || (!si && nw[2] == s)) &&
                 !(!si && nw[1] == nw[2] && (shift || int_binop_kind(nop) < 0));
    }
    if (!from_rax) return -1;
    Access a;
    if (slot_access(nop, nw, a) && a.write == static_cast<int64_t>(s)) return s;
    return dead_after(next + instruction_words(code_ + next, nop), s) ? s : -1;
  }
  static bool is_float_membinop(Op op) {
    return is_f64_membinop(op) || op == Op::f32_add__f32_load || op == Op::f32_sub__f32_load ||
           op == Op::f32_mul__f32_load;
  }
  static bool is_shift(Op op) {
    switch (op) {
      case Op::i32_shl: case Op::i32_shl_si: case Op::i32_shr_s: case Op::i32_shr_s_si: case Op::i32_shr_u:
      case Op::i32_shr_u_si: case Op::i32_rotl: case Op::i32_rotl_si: case Op::i32_rotr: case Op::i32_rotr_si:
      case Op::i64_shl: case Op::i64_shl_si: case Op::i64_shr_s: case Op::i64_shr_s_si: case Op::i64_shr_u:
      case Op::i64_shr_u_si: case Op::i64_rotl: case Op::i64_rotl_si: case Op::i64_rotr: case Op::i64_rotr_si:
        return true;
      default:
        return false;
    }
  }
  void f64_result(uint32_t s) {
    if (static_cast<int64_t>(s) != xdead_store_) movsd(S(s), xmm0);
  }

  // Whether op writes the slot its first operand word names (its result).
  static bool writes_w0(Op op) {
    if (is_cmp_branch(op)) return false;
    if (op >= Op::i32_store && op <= Op::i64_store32) return false;
    switch (op) {
      case Op::exit: case Op::unreachable: case Op::br: case Op::br_z: case Op::br_nz: case Op::br_z64:
      case Op::br_nz64: case Op::br_table: case Op::ret: case Op::call: case Op::call_indirect: case Op::br_and_z:
      case Op::br_and_nz: case Op::global_set: case Op::memory_fill: case Op::memory_copy: case Op::memory_init:
      case Op::data_drop: case Op::table_set: case Op::table_fill: case Op::table_copy: case Op::table_init:
      case Op::elem_drop: case Op::copy_n:
        return false;
      default:
        return true;
    }
  }

  void load(Op op, const uint32_t* w) {
    Xbyak::RegExp a = mem_at(w[1], w[2], w[3]);
    switch (op) {
      case Op::i32_load: case Op::f32_load: case Op::i64_load32_u: mov(eax, dword[a]); break;
      case Op::i64_load: case Op::f64_load: mov(rax, qword[a]); break;
      case Op::i32_load8_s: movsx(eax, byte[a]); break;
      case Op::i32_load8_u: case Op::i64_load8_u: movzx(eax, byte[a]); break;
      case Op::i32_load16_s: movsx(eax, word[a]); break;
      case Op::i32_load16_u: case Op::i64_load16_u: movzx(eax, word[a]); break;
      case Op::i64_load8_s: movsx(rax, byte[a]); break;
      case Op::i64_load16_s: movsx(rax, word[a]); break;
      case Op::i64_load32_s: movsxd(rax, dword[a]); break;
      default: break;
    }
    result_in_rax(w[0]);
  }
  void store(Op op, const uint32_t* w) {
    // The value's register: rax or a pinned local's as they are (mem_at touches only rcx),
    // else rdx loaded from xmm0 or the slot.
    const Xbyak::Reg64* v = &rdx;
    if (in_ == static_cast<int64_t>(w[1])) {
      v = &rax;
    } else if (xin_ == static_cast<int64_t>(w[1]) && op == Op::i64_store) {
      movsd(qword[mem_at(w[0], w[2], w[3])], xmm0);  // an f64 result stored as it is
      return;
    } else if (const Xbyak::Reg64* p = pin(w[1])) {
      v = p;
    } else if (rdx_holds_ != static_cast<int64_t>(w[1])) {
      mov(rdx, S(w[1]));
      rdx_holds_ = w[1];
      rdx_set_ = true;
    }
    Xbyak::RegExp a = mem_at(w[0], w[2], w[3]);
    switch (op) {
      case Op::i32_store: case Op::i64_store32: mov(dword[a], v->cvt32()); break;
      case Op::i64_store: mov(qword[a], *v); break;
      case Op::i32_store8: case Op::i64_store8: mov(byte[a], v->cvt8()); break;
      case Op::i32_store16: case Op::i64_store16: mov(word[a], v->cvt16()); break;
      default: break;
    }
  }

  // i32/i64 binary operations; `imm` for the _si forms (b is an immediate).
  bool int_binop(Op op, const uint32_t* w) {
    struct Info {
      Op ss, si;
      bool wide;
      int kind;  // 0 add 1 sub 2 mul 3 and 4 or 5 xor 6 shl 7 shr_s 8 shr_u 9 rotl 10 rotr
    };
    static const Info kInfo[] = {
        {Op::i32_add, Op::i32_add_si, false, 0}, {Op::i32_sub, Op::i32_sub_si, false, 1},
        {Op::i32_mul, Op::i32_mul_si, false, 2}, {Op::i32_and, Op::i32_and_si, false, 3},
        {Op::i32_or, Op::i32_or_si, false, 4},   {Op::i32_xor, Op::i32_xor_si, false, 5},
        {Op::i32_shl, Op::i32_shl_si, false, 6}, {Op::i32_shr_s, Op::i32_shr_s_si, false, 7},
        {Op::i32_shr_u, Op::i32_shr_u_si, false, 8}, {Op::i32_rotl, Op::i32_rotl_si, false, 9},
        {Op::i32_rotr, Op::i32_rotr_si, false, 10},
        {Op::i64_add, Op::i64_add_si, true, 0}, {Op::i64_sub, Op::i64_sub_si, true, 1},
        {Op::i64_mul, Op::i64_mul_si, true, 2}, {Op::i64_and, Op::i64_and_si, true, 3},
        {Op::i64_or, Op::i64_or_si, true, 4},   {Op::i64_xor, Op::i64_xor_si, true, 5},
        {Op::i64_shl, Op::i64_shl_si, true, 6}, {Op::i64_shr_s, Op::i64_shr_s_si, true, 7},
        {Op::i64_shr_u, Op::i64_shr_u_si, true, 8}, {Op::i64_rotl, Op::i64_rotl_si, true, 9},
        {Op::i64_rotr, Op::i64_rotr_si, true, 10},
    };
    const Info* info = nullptr;
    bool imm = false;
    for (const Info& i : kInfo) {
      if (i.ss == op || i.si == op) {
        info = &i;
        imm = i.si == op;
        break;
      }
    }
    if (info == nullptr) return false;
    const bool wide = info->wide;
    const bool zero_shift = info->kind >= 6 && (w[2] & (wide ? 63 : 31)) == 0;  // no zero-extension
    if (imm && w[0] == w[1] && in_ != static_cast<int64_t>(w[1]) && !zero_shift) {
      if (const Xbyak::Reg64* p = pin(w[0])) {
        // local = local op constant, the local in a register: in place (a 32-bit operation
        // zero-extends its register, as slots hold i32 values).
        alu_imm(info->kind, view(*p, wide), w[2]);
        refreshed_ = w[0];  // the register is the value; rax holds nothing new
        return true;
      }
    }
    if (info->kind == 0 && lea_add(w, imm, wide)) return true;
    if (info->kind <= 5 && binop_in_pin(w, imm, wide, info->kind)) return true;
    const Xbyak::Reg a = view(rax, wide);
    const Xbyak::Reg b = view(rcx, wide);
    const int kind = info->kind;
    // The second operand first when rax holds it (the first operand's load would lose it).
    const bool b_in_rax = !imm && in_ == static_cast<int64_t>(w[2]) && w[1] != w[2];
    if (b_in_rax && kind <= 5 && kind != 1) {
      // Commutative: rax op= the first operand, from its register or its slot.
      const Xbyak::Reg64* pa = pin(w[1]);
      if (pa != nullptr) alu(kind, a, view(*pa, wide));
      else slot_operand(w[1], wide, [&](const Xbyak::Operand& o) { alu(kind, a, o); });
      result_in_rax(w[0]);
      return true;
    }
    if (b_in_rax) mov(rcx, rax);
    load_rax(w[1], wide);
    if (imm) {
      alu_imm(kind, a, w[2]);
    } else if (kind >= 6) {  // shifts and rotations by cl
      if (!b_in_rax) {
        if (const Xbyak::Reg64* p = pin(w[2])) mov(ecx, p->cvt32());
        else slot_operand(w[2], false, [&](const Xbyak::Operand& o) { mov(ecx, o); });
      }
      switch (kind) {
        case 6: shl(a, cl); break;
        case 7: sar(a, cl); break;
        case 8: shr(a, cl); break;
        case 9: rol(a, cl); break;
        default: ror(a, cl); break;
      }
    } else {
      const bool same = w[1] == w[2];
      const Xbyak::Reg64* pb = b_in_rax || same ? nullptr : pin(w[2]);
      if (!b_in_rax && !same && pb == nullptr) {
        slot_operand(w[2], wide, [&](const Xbyak::Operand& o) { alu(kind, a, o); });  // from its slot
      } else {
        // The second operand: rax itself, its pinned register, or rcx.
        const Xbyak::Reg pb_view = pb == nullptr ? b : view(*pb, wide);
        alu(kind, a, same ? a : pb_view);
      }
    }
    result_in_rax(w[0]);  // a 32-bit result is already zero-extended in rax
    return true;
  }

  // An addition whose operands are in registers (rax or pinned locals) as one lea, straight
  // into the result's register when the result is a pinned local (a 32-bit lea keeps the low
  // 32 bits of the sum: the i32 wrap-around). Returns false when an operand is in a slot.
  bool lea_add(const uint32_t* w, bool imm, bool wide) {
    const Xbyak::Reg64* x = reg_of(w[1]);
    const Xbyak::Reg64* y = imm ? nullptr : reg_of(w[2]);
    if (x == nullptr || (!imm && y == nullptr)) return false;
    const Xbyak::Reg64* pd = pin(w[0]);
    if (pd == nullptr && x == &rax && imm) return false;  // add eax, imm is as short
    const Xbyak::RegExp sum = imm ? *x + static_cast<int32_t>(w[2]) : *x + *y;
    const Xbyak::Reg64& d = pd != nullptr ? *pd : rax;
    if (wide) lea(d, ptr[sum]);
    else lea(d.cvt32(), ptr[sum]);
    if (pd != nullptr) {
      refreshed_ = w[0];  // the register is the value; rax holds nothing new
    } else {
      result_in_rax(w[0]);
    }
    return true;
  }

  // r = r op b, for int_binop's kinds 0..5 (add sub mul and or xor).
  void alu(int kind, const Xbyak::Reg& r, const Xbyak::Operand& b) {
    switch (kind) {
      case 0: add(r, b); break;
      case 1: sub(r, b); break;
      case 2: imul(r, b); break;
      case 3: and_(r, b); break;
      case 4: or_(r, b); break;
      default: xor_(r, b); break;
    }
  }
  // r = r op imm, for every kind (0..10): a 64-bit register takes the immediate
  // sign-extended (the _si forms of i64 operations), shifts and rotations its low bits.
  void alu_imm(int kind, const Xbyak::Reg& r, uint32_t imm) {
    const uint8_t n = static_cast<uint8_t>(imm & (r.getBit() == 64 ? 63 : 31));
    switch (kind) {
      case 0: add(r, imm); break;
      case 1: sub(r, imm); break;
      case 2: imul(r, r, static_cast<int>(imm)); break;
      case 3: and_(r, imm); break;
      case 4: or_(r, imm); break;
      case 5: xor_(r, imm); break;
      case 6: shl(r, n); break;
      case 7: sar(r, n); break;
      case 8: shr(r, n); break;
      case 9: rol(r, n); break;
      default: ror(r, n); break;
    }
  }
  // add, sub, mul, and, or, xor (kind 0..5) whose result is a local kept in a register:
  // computed in that register, not through rax. Not when the second operand is that
  // register and the first is not (loading the first would overwrite it).
  bool binop_in_pin(const uint32_t* w, bool imm, bool wide, int kind) {
    const Xbyak::Reg64* pd = pin(w[0]);
    if (pd == nullptr) return false;
    const bool same = !imm && w[1] == w[2];
    const bool b_rax = !imm && !same && in_ == static_cast<int64_t>(w[2]);
    const Xbyak::Reg64* pb = imm || same || b_rax ? nullptr : pin(w[2]);
    if (pb == pd && w[1] != w[0]) return false;
    const Xbyak::Reg d = view(*pd, wide);
    if (w[1] != w[0]) load_to(*pd, w[1], wide);  // (else the register holds it already)
    if (imm) {
      alu_imm(kind, d, w[2]);
    } else if (same) {
      alu(kind, d, d);
    } else if (b_rax || pb != nullptr) {
      const Xbyak::Reg64& r = b_rax ? rax : *pb;
      alu(kind, d, view(r, wide));
    } else {
      slot_operand(w[2], wide, [&](const Xbyak::Operand& o) { alu(kind, d, o); });
    }
    refreshed_ = w[0];  // the register is the value; rax holds nothing new
    return true;
  }

  // Loads the two compared operands into flags. Returns false when op is not a comparison.
  bool compare(Op op, uint32_t a, uint32_t b_word, bool b_imm, Cc& cc) {
    bool wide = false;
    if (!int_cmp(op, cc, wide)) return false;
    rax_after_cmp_ = a;
    if (const Xbyak::Reg64* pa = pin(a); pa != nullptr && (b_imm || a != b_word) && in_ != static_cast<int64_t>(a)) {
      // The pinned register against the second operand; rax keeps what it held.
      rax_after_cmp_ = in_;
      const Xbyak::Reg ra = view(*pa, wide);
      if (b_imm) {
        if (wide) cmp(ra, static_cast<int32_t>(b_word));  // sign-extended
        else cmp(ra, b_word);
      } else if (in_ == static_cast<int64_t>(b_word)) {
        cmp(ra, view(rax, wide));
      } else if (const Xbyak::Reg64* pb = pin(b_word)) {
        cmp(ra, view(*pb, wide));
      } else {
        slot_operand(b_word, wide, [&](const Xbyak::Operand& o) { cmp(ra, o); });
      }
      return true;
    }
    const bool b_in_rax = !b_imm && in_ == static_cast<int64_t>(b_word) && a != b_word;
    if (b_in_rax) mov(rcx, rax);
    load_rax(a, wide);
    const Xbyak::Reg64* pb = b_imm ? nullptr : pin(b_word);
    if (wide) {
      if (b_imm) cmp(rax, static_cast<int32_t>(b_word));  // sign-extended
      else if (b_in_rax) cmp(rax, rcx);
      else if (pb) cmp(rax, *pb);
      else slot_operand(b_word, true, [&](const Xbyak::Operand& o) { cmp(rax, o); });
    } else {
      if (b_imm) cmp(eax, b_word);
      else if (b_in_rax) cmp(eax, ecx);
      else if (pb) cmp(eax, pb->cvt32());
      else slot_operand(b_word, false, [&](const Xbyak::Operand& o) { cmp(eax, o); });
    }
    return true;
  }
  static bool int_cmp(Op op, Cc& cc, bool& wide) {
    const OpClass& c = op_class(op);
    if (!c.cmp) return false;
    cc = c.cc;
    wide = c.cmp_wide;
    return true;
  }
  static Cc cc_named(std::string_view n) {
    if (n == "eq") return Cc::E;
    if (n == "ne") return Cc::NE;
    if (n == "lt_s") return Cc::L;
    if (n == "lt_u") return Cc::B;
    if (n == "gt_s") return Cc::G;
    if (n == "gt_u") return Cc::A;
    if (n == "le_s") return Cc::LE;
    if (n == "le_u") return Cc::BE;
    if (n == "ge_s") return Cc::GE;
    return Cc::AE;
  }
  static bool is_cmp_si(Op op) { return op_class(op).cmp_si; }
  static bool is_cmp_branch(Op op) { return op_class(op).cmp_branch; }

  // f32/f64 add, sub, mul, div (k = 0..3): xmm0 = xmm0 op b.
  void float_arith(bool d, int k, const Xbyak::Operand& b) {
    using Emit = void (Xbyak::CodeGenerator::*)(const Xbyak::Xmm&, const Xbyak::Operand&);
    static constexpr Emit kEmit[2][4] = {
        {&Xbyak::CodeGenerator::addss, &Xbyak::CodeGenerator::subss, &Xbyak::CodeGenerator::mulss,
         &Xbyak::CodeGenerator::divss},
        {&Xbyak::CodeGenerator::addsd, &Xbyak::CodeGenerator::subsd, &Xbyak::CodeGenerator::mulsd,
         &Xbyak::CodeGenerator::divsd}};
    (this->*kEmit[d][k])(xmm0, b);
  }
  // A float operation's first operand into xmm0 (nothing to do when xmm0 holds it).
  void float_to_xmm0(uint32_t s, bool d) {
    if (xin_ == static_cast<int64_t>(s)) return;
    if (const Xbyak::Reg64* p = pin(s)) {
      if (d) movq(xmm0, *p);
      else movd(xmm0, p->cvt32());
    } else if (d) {
      movsd(xmm0, S(s));
    } else {
      movss(xmm0, S32(s));
    }
  }
  // xmm0 is the float result for slot dst.
  void float_result(uint32_t dst, bool d) {
    if (d) {
      f64_result(dst);
    } else {
      dst_ = dst;
      store_f32_result();
    }
    xout_ = dst;
  }

  void store_f32_result() {
    movd(eax, xmm0);
    result_in_rax(dst_);
  }

  bool float_op(Op op, const uint32_t* w) {
    dst_ = w[0];
    switch (op) {
      case Op::f32_add: case Op::f32_sub: case Op::f32_mul: case Op::f32_div:
      case Op::f64_add: case Op::f64_sub: case Op::f64_mul: case Op::f64_div: {
        const bool d = op >= Op::f64_add;
        const int k = static_cast<int>(op) - static_cast<int>(d ? Op::f64_add : Op::f32_add);
        // The second operand: xmm1 when it is in xmm0 or a register, else its slot.
        const Xbyak::Reg64* pb = pin(w[2]);
        const bool b_in_xmm0 = xin_ == static_cast<int64_t>(w[2]) && w[1] != w[2];
        if (b_in_xmm0) movaps(xmm1, xmm0);
        else if (pb != nullptr && d) movq(xmm1, *pb);
        else if (pb != nullptr) movd(xmm1, pb->cvt32());
        float_to_xmm0(w[1], d);
        if (b_in_xmm0 || pb != nullptr) float_arith(d, k, xmm1);
        else float_arith(d, k, d ? S(w[2]) : S32(w[2]));
        float_result(w[0], d);
        return true;
      }
      case Op::f32_eq: case Op::f32_ne: case Op::f32_lt: case Op::f32_gt: case Op::f32_le: case Op::f32_ge:
      case Op::f64_eq: case Op::f64_ne: case Op::f64_lt: case Op::f64_gt: case Op::f64_le: case Op::f64_ge: {
        const bool d = op >= Op::f64_eq && op <= Op::f64_ge;
        const int k = static_cast<int>(op) - static_cast<int>(d ? Op::f64_eq : Op::f32_eq);  // eq ne lt gt le ge
        // lt and le compare b with a (seta/setae are false when unordered).
        const bool swap = k == 2 || k == 4;
        uint32_t x = swap ? w[2] : w[1], y = swap ? w[1] : w[2];
        if (d) {
          movsd(xmm0, S(x));
          ucomisd(xmm0, S(y));
        } else {
          movss(xmm0, S32(x));
          ucomiss(xmm0, S32(y));
        }
        switch (k) {
          case 0: sete(al); setnp(cl); and_(al, cl); break;
          case 1: setne(al); setp(cl); or_(al, cl); break;
          case 2: case 3: seta(al); break;
          default: setae(al); break;
        }
        movzx(eax, al);
        result_in_rax(w[0]);
        return true;
      }
      default:
        return false;
    }
  }

  bool unop(Op op, const uint32_t* w) {
    dst_ = w[0];
    const uint32_t a = w[1];
    switch (op) {
      case Op::i32_eqz:
        if (in_ == static_cast<int64_t>(a)) test(eax, eax);
        else cmp(S32(a), 0);
        break;
      case Op::i64_eqz: case Op::ref_is_null:
        if (in_ == static_cast<int64_t>(a)) test(rax, rax);
        else cmp(S(a), 0);
        break;
      case Op::i32_wrap_i64: case Op::i64_extend_i32_s: case Op::i32_extend8_s: case Op::i32_extend16_s:
      case Op::i64_extend8_s: case Op::i64_extend16_s: case Op::i64_extend32_s:
        switch (op) {
          case Op::i32_wrap_i64: mov(eax, S32(a)); break;
          case Op::i64_extend_i32_s: case Op::i64_extend32_s: movsxd(rax, S32(a)); break;
          case Op::i32_extend8_s: movsx(eax, byte[rbx + static_cast<int32_t>(a * 8)]); break;
          case Op::i32_extend16_s: movsx(eax, word[rbx + static_cast<int32_t>(a * 8)]); break;
          case Op::i64_extend8_s: movsx(rax, byte[rbx + static_cast<int32_t>(a * 8)]); break;
          default: movsx(rax, word[rbx + static_cast<int32_t>(a * 8)]); break;
        }
        result_in_rax(w[0]);
        return true;
      case Op::f32_abs: load_rax(a, false); and_(eax, 0x7FFFFFFF); result_in_rax(w[0]); return true;
      case Op::f32_neg: load_rax(a, false); xor_(eax, 0x80000000); result_in_rax(w[0]); return true;
      case Op::f64_abs: load_rax(a, true); btr(rax, 63); result_in_rax(w[0]); return true;
      case Op::f64_neg: load_rax(a, true); btc(rax, 63); result_in_rax(w[0]); return true;
      case Op::f32_ceil: case Op::f32_floor: case Op::f32_trunc: case Op::f32_nearest:
        roundss(xmm0, S32(a), round_mode(op));
        store_f32_result();
        return true;
      case Op::f64_ceil: case Op::f64_floor: case Op::f64_trunc: case Op::f64_nearest:
        roundsd(xmm0, S(a), round_mode(op));
        movsd(S(w[0]), xmm0);
        return true;
      case Op::f32_sqrt: sqrtss(xmm0, S32(a)); store_f32_result(); return true;
      case Op::f64_sqrt: sqrtsd(xmm0, S(a)); movsd(S(w[0]), xmm0); return true;
      case Op::f32_convert_i32_s: xorps(xmm0, xmm0); cvtsi2ss(xmm0, S32(a)); store_f32_result(); return true;
      case Op::f32_convert_i32_u: mov(eax, S32(a)); xorps(xmm0, xmm0); cvtsi2ss(xmm0, rax); store_f32_result(); return true;
      case Op::f32_convert_i64_s: mov(rax, S(a)); xorps(xmm0, xmm0); cvtsi2ss(xmm0, rax); store_f32_result(); return true;
      case Op::f64_convert_i32_s: xorps(xmm0, xmm0); cvtsi2sd(xmm0, S32(a)); movsd(S(w[0]), xmm0); return true;
      case Op::f64_convert_i32_u: mov(eax, S32(a)); xorps(xmm0, xmm0); cvtsi2sd(xmm0, rax); movsd(S(w[0]), xmm0); return true;
      case Op::f64_convert_i64_s: mov(rax, S(a)); xorps(xmm0, xmm0); cvtsi2sd(xmm0, rax); movsd(S(w[0]), xmm0); return true;
      case Op::f32_demote_f64: xorps(xmm0, xmm0); cvtsd2ss(xmm0, S(a)); store_f32_result(); return true;
      case Op::f64_promote_f32: xorps(xmm0, xmm0); cvtss2sd(xmm0, S32(a)); movsd(S(w[0]), xmm0); return true;
      default:
        return false;
    }
    // eqz
    sete(al);
    movzx(eax, al);
    result_in_rax(w[0]);
    return true;
  }
  static uint8_t round_mode(Op op) {
    // roundss immediate: 0 nearest, 1 down, 2 up, 3 toward zero; 8 suppresses "inexact".
    switch (op) {
      case Op::f32_nearest: case Op::f64_nearest: return 8;
      case Op::f32_floor: case Op::f64_floor: return 9;
      case Op::f32_ceil: case Op::f64_ceil: return 10;
      default: return 11;
    }
  }

  void division(Op op, const uint32_t* w) {
    const bool wide = op >= Op::i64_div_s;
    const bool is_signed = op == Op::i32_div_s || op == Op::i32_rem_s || op == Op::i64_div_s || op == Op::i64_rem_s;
    const bool rem = op == Op::i32_rem_s || op == Op::i32_rem_u || op == Op::i64_rem_s || op == Op::i64_rem_u;
    Xbyak::Label done, normal;
    if (in_ == static_cast<int64_t>(w[2])) mov(rcx, rax);
    else if (wide) mov(rcx, S(w[2]));
    else mov(ecx, S32(w[2]));
    load_rax(w[1], wide);
    if (wide) test(rcx, rcx);
    else test(ecx, ecx);
    jz(trap(kDivZero), T_NEAR);
    if (is_signed) {
      if (wide) cmp(rcx, -1);
      else cmp(ecx, -1);
      jne(normal, T_NEAR);
      if (rem) {
        xor_(edx, edx);  // x rem -1 = 0 (and INT_MIN rem -1 must not fault)
        jmp(done, T_NEAR);
      } else {
        if (wide) {
          mov(rdx, uint64_t{1} << 63);
          cmp(rax, rdx);
        } else {
          cmp(eax, 0x80000000u);
        }
        je(trap(kIntOverflow), T_NEAR);
      }
      L(normal);
      if (wide) {
        cqo();
        idiv(rcx);
      } else {
        cdq();
        idiv(ecx);
      }
    } else {
      xor_(edx, edx);
      if (wide) div(rcx);
      else div(ecx);
    }
    L(done);
    if (!wide) {  // 32-bit results: zero-extend
      if (rem) mov(edx, edx);
      else mov(eax, eax);
    }
    if (rem) {
      mov(S(w[0]), rdx);
    } else {
      result_in_rax(w[0]);
    }
  }

  void membinop(Op op, const uint32_t* w) {
    // [dst a][addr offset][add]
    Xbyak::RegExp at = mem_at(w[2], w[3], w[4]);
    switch (op) {
#define WB_MB(binop, load, MT, T, expr)                                   \
  case Op::binop##__##load: {                                             \
    static constexpr MemBinop kShape = membinop_shape(#binop, #load);     \
    membinop_one(kShape, at, w);                                          \
    break;                                                                \
  }
      WB_MEMBINOPS(WB_MB)
#undef WB_MB
      default: break;
    }
  }
  void membinop_one(const MemBinop& mb, const Xbyak::RegExp& at, const uint32_t* w) {
    if (mb.fp) {
      float_to_xmm0(w[1], mb.wide);
      if (mb.wide) float_arith(true, mb.kind, qword[at]);
      else float_arith(false, mb.kind, dword[at]);
      float_result(w[0], mb.wide);
      return;
    }
    const bool wide = mb.wide;
    const Xbyak::Reg a = view(rax, wide);
    auto op = [&](const Xbyak::Operand& b) {
      switch (mb.kind) {
        case 0: add(a, b); break;
        case 1: sub(a, b); break;
        case 2: and_(a, b); break;
        case 3: or_(a, b); break;
        default: xor_(a, b); break;
      }
    };
    // The loaded operand: memory itself, or edx for a byte zero-extended first. (mem_at left
    // the address in rcx: rax is free for the first operand.)
    if (mb.byte_load) {
      movzx(edx, byte[at]);
      load_rax(w[1], wide);
      op(view(rdx, wide));
    } else {
      const Xbyak::Address m = wide ? qword[at] : dword[at];
      load_rax(w[1], wide);
      op(m);
    }
    result_in_rax(w[0]);
  }

  void function(size_t bi) {
    const uint32_t def = defs_[bi];
    const uint32_t func_index = m_.num_imported_funcs + def;
    const CompiledFunction& cf = m_.code().functions[def];
    const uint32_t* code = cf.code;
    labels_.clear();
    head_checks_.clear();
    loop_heads_.clear();
    traps_.clear();
    slow_.clear();
    func_index_ = func_index;

    align(16);
    L(starts_[bi]);
    // ---- prologue: limits, interrupt, locals
    sub(rsp, 8);
    cmp(rsp, qword[r13 + kThLimit]);  // the call depth and the native stack at once
    jb(trap(kExhausted), T_NEAR);
    lea(rax, ptr[rbx + static_cast<int32_t>(cf.frame_slots * 8)]);
    cmp(rax, qword[r13 + kThValueLimit]);
    ja(trap(kExhausted), T_NEAR);
    {
      Xbyak::Label& body = new_label();
      interrupt_check(body, false);
      L(body);
    }
    choose_pins(cf);
    find_written_pins(cf);
    num_results_ = cf.num_results;
    // A declared local the function writes and keeps in a register starts as a zeroed
    // register: its slot is only read after a spill has written it.
    auto zero_in_register = [&](uint32_t slot) {
      for (int i = 0; i < pins_; ++i)
        if (pin_slot_[i] == slot) return (written_pins_ & (1u << i)) != 0;
      return false;
    };
    const uint32_t zeros = cf.num_locals - cf.num_params;
    if (zeros > 0) {
      if (zeros <= 16) {
        xor_(eax, eax);
        for (uint32_t k = 0; k < zeros; ++k)
          if (!zero_in_register(cf.num_params + k)) mov(S(cf.num_params + k), rax);
      } else {
        lea(rdi, ptr[rbx + static_cast<int32_t>(cf.num_params * 8)]);
        mov(ecx, zeros);
        xor_(eax, eax);
        rep();
        stosq();
      }
    }

    for (int i = 0; i < pins_; ++i) {
      if (pin_slot_[i] >= cf.num_params && zero_in_register(pin_slot_[i])) xor_(pin_reg(i).cvt32(), pin_reg(i).cvt32());
      else mov(pin_reg(i), S(pin_slot_[i]));
    }

    // ---- branch targets
    std::unordered_set<uint32_t> targets;
    for (uint32_t at = 0; at < cf.code_size;) {
      const Op op = op_at(code + at);
      const uint32_t* w = code + at + 2;
      if (op == Op::br_table)
        for (uint32_t k = 0; k <= w[1]; ++k) targets.insert(at + w[2 + k]);
      if (const std::optional<int32_t> rel = branch_rel(op, w)) {
        targets.insert(at + *rel);
        if (*rel <= 0) loop_heads_.insert(at + *rel);
      }
      at += instruction_words(code + at, op);
    }

    // ---- body
    targets_ = &targets;
    code_ = code;
    code_size_ = cf.code_size;
    out_ = -1;
    xout_ = -1;
    rdx_holds_ = -1;
    for (uint32_t at = 0; at < cf.code_size;) {
      const Op op = op_at(code + at);
      const uint32_t* w = code + at + 2;
      if (targets.count(at)) {
        if (loop_heads_.count(at)) {
          // The back-edges' interrupt check, placed before the loop's first instruction:
          // a back-edge is then one (conditional) jump here, and entering the loop checks too.
          L(head_check_at(at));
          interrupt_check(label_at(at));
        }
        L(label_at(at));
        out_ = -1;  // reached from elsewhere: rax, xmm0 and rdx hold nothing known
        xout_ = -1;
        rdx_holds_ = -1;
      }
      // The next instruction overwrites this one's result slot after reading it from rax:
      // the slot need not be written.
      dead_store_ = -1;
      if (uint32_t next = at + instruction_words(code + at, op); next < cf.code_size && !targets.count(next))
        dead_store_ = overwrites_first_operand(op_at(code + next), code + next + 2);
      // (the next instruction may overwrite a slot other than this result: then the
      // result's own store can still be found dead further on)
      if (int64_t d = rax_dead_store(at, op, w); d >= 0) dead_store_ = d;
      xdead_store_ = xmm_dead_store(at, op, w);
      in_ = out_;
      out_ = -1;
      xin_ = xout_;
      xout_ = -1;
      refreshed_ = -1;
      called_out_ = false;
      // rcx keeps a pinned address across plain loads and stores, unless a branch target
      // intervenes or an instruction wrote that local (a load into it, say).
      // (membinops too: after mem_at they use rax, rdx and xmm0 only)
      const bool plain_access = (op >= Op::i32_load && op <= Op::i64_load32_u) ||
                                (op >= Op::i32_store && op <= Op::i64_store32) || is_membinop(op);
      if (!plain_access || targets.count(at)) ecx_holds_ = -1;
      ecx_next_ = -1;
      if (pins_ > 0 && written_pins_ != 0 && !pin_safe(op))
        spill_pins_named(w, instruction_words(code + at, op) - 2);
      at_ = at;
      rdx_ok_ = rdx_safe(op);
      rdx_set_ = false;
      if (!rdx_ok_) rdx_holds_ = -1;
      instruction(at, op, w);
      // rdx no longer holds a slot the instruction wrote by other means.
      if (!rdx_set_ && rdx_holds_ >= 0 && writes_w0(op) && static_cast<int64_t>(w[0]) == rdx_holds_) rdx_holds_ = -1;
      if (plain_access) {
        if (ecx_next_ >= 0) ecx_holds_ = ecx_next_;
        if ((op <= Op::i64_load32_u || is_membinop(op)) && static_cast<int64_t>(w[0]) == ecx_holds_) ecx_holds_ = -1;
      }
      if (called_out_) {
        reload_pins();
      } else if (pins_ > 0) {
        // A result written other than through result_in_rax: refresh its register.
        if (writes_w0(op) && refreshed_ != static_cast<int64_t>(w[0]))
          if (const Xbyak::Reg64* p = pin(w[0])) mov(*p, S(w[0]));
        if (op == Op::copy2)
          if (const Xbyak::Reg64* p = pin(w[2])) mov(*p, S(w[2]));
      }
      at += instruction_words(code + at, op);
    }
    if (targets.count(cf.code_size)) {
      L(label_at(cf.code_size));
      jmp(trap(kUnreachable), T_NEAR);
    }

    // ---- out-of-line paths
    for (Slow& s : slow_) {
      L(s.at);
      if (s.in_body) spill_pins();
      call(qword[r13 + kThPause]);
      if (s.in_body) reload_pins();  // the pause stub called C++ code
      jmp(*s.resume, T_NEAR);
    }
    for (auto& [code_kind, label] : traps_) {
      L(*label);
      if (code_kind == 0) mov(dword[r13 + kThTrapCode], eax);  // a helper's result
      else if (code_kind != kRecorded) mov(dword[r13 + kThTrapCode], code_kind);
      mov(dword[r13 + kThTrapFunc], func_index);
      jmp(qword[r13 + kThTrapCommon]);
    }
    ends_.push_back(getSize());
  }

  void instruction(uint32_t at, Op op, const uint32_t* w) {
    switch (op) {
      case Op::exit:
      case Op::unreachable:
        jmp(trap(kUnreachable), T_NEAR);
        return;
      case Op::br:
        branch(at, static_cast<int32_t>(w[0]), std::nullopt);
        return;
      case Op::br_z: case Op::br_nz:
        if (in_ == static_cast<int64_t>(w[0])) {
          test(eax, eax);
          out_ = in_;
        } else if (const Xbyak::Reg64* p = pin(w[0])) {
          test(p->cvt32(), p->cvt32());
        } else {
          cmp(S32(w[0]), 0);
        }
        branch(at, static_cast<int32_t>(w[1]), op == Op::br_z ? Cc::E : Cc::NE);
        return;
      case Op::br_z64: case Op::br_nz64:
        if (in_ == static_cast<int64_t>(w[0])) {
          test(rax, rax);
          out_ = in_;
        } else if (const Xbyak::Reg64* p = pin(w[0])) {
          test(*p, *p);
        } else {
          cmp(S(w[0]), 0);
        }
        branch(at, static_cast<int32_t>(w[1]), op == Op::br_z64 ? Cc::E : Cc::NE);
        return;
      case Op::br_and_z: case Op::br_and_nz:
        if (in_ == static_cast<int64_t>(w[0])) {
          test(eax, w[1]);
          out_ = in_;
        } else if (const Xbyak::Reg64* p = pin(w[0])) {
          test(p->cvt32(), w[1]);
        } else {
          test(S32(w[0]), w[1]);
        }
        branch(at, static_cast<int32_t>(w[2]), op == Op::br_and_z ? Cc::E : Cc::NE);
        return;
      case Op::br_table: {
        const uint32_t n = w[1];
        bool backward = false;
        for (uint32_t k = 0; k <= n; ++k) backward |= static_cast<int32_t>(w[2 + k]) <= 0;
        if (backward) {
          Xbyak::Label& go = new_label();
          interrupt_check(go);  // uses rax (and its slow path calls C++)
          L(go);
          in_ = -1;  // so the index is loaded again below (its slot is always written)
        }
        tables_.emplace_back();
        JumpTable& jt = tables_.back();
        for (uint32_t k = 0; k <= n; ++k) jt.targets.push_back(&label_at(at + w[2 + k]));
        load_rax(w[0], false);
        mov(ecx, n);
        cmp(eax, ecx);
        cmova(eax, ecx);
        lea(rcx, ptr[rip + jt.table]);
        movsxd(rdx, dword[rcx + rax * 4]);
        add(rdx, rcx);
        jmp(rdx);
        align(4);
        L(jt.table);
        for (uint32_t k = 0; k <= n; ++k) dd(0);
        return;
      }
      case Op::ret:
        for (int i = 0; i < pins_; ++i)  // results are read from their slots by the caller
          if (pin_slot_[i] < num_results_ && (written_pins_ & (1u << i))) mov(S(pin_slot_[i]), pin_reg(i));
        add(rsp, 8);
        ret();
        return;
      case Op::call: {
        const uint32_t callee = w[0], off = w[1];
        if (callee < m_.num_imported_funcs) {
          mov(qword[r13 + kThCalloutRsp], rsp);  // a nested activation counts its depth from here
          helper(h_call_import, w, true);
          return;
        }
        const uint32_t def = callee - m_.num_imported_funcs;
        spill_pins();
        if (off) lea(rbx, ptr[rbx + static_cast<int32_t>(off * 8)]);
        if (auto it = index_of_.find(def); it != index_of_.end()) {
          call(starts_[it->second]);
        } else {
          mov(r10d, def);
          mov(rax, qword[r12 + kInEntries]);
          call(qword[rax + static_cast<int32_t>(def * 8)]);
        }
        if (off) lea(rbx, ptr[rbx - static_cast<int32_t>(off * 8)]);
        called_out_ = true;
        return;
      }
      case Op::call_indirect: {
        Xbyak::Label done;
        spill_pins();
        mov(rdi, r12);
        mov(rsi, rbx);
        mov(rdx, reinterpret_cast<uintptr_t>(w));
        mov(rcx, r13);
        mov(qword[r13 + kThCalloutRsp], rsp);
        call_helper(reinterpret_cast<const void*>(&h_call_indirect));
        test(rax, rax);
        jz(trap_recorded(), T_NEAR);
        cmp(rax, 1);
        je(done, T_NEAR);
        if (w[3]) lea(rbx, ptr[rbx + static_cast<int32_t>(w[3] * 8)]);
        call(rax);
        if (w[3]) lea(rbx, ptr[rbx - static_cast<int32_t>(w[3] * 8)]);
        L(done);
        called_out_ = true;
        return;
      }
      case Op::copy: {
        // One move when a register is on either side (not rax, whose value the next
        // instruction may expect): a local's register to a slot or to another register, a
        // slot to a register. Otherwise through rax, as any result.
        const Xbyak::Reg64* from = reg_of(w[1]);
        const Xbyak::Reg64* to = pin(w[0]);
        if (from != &rax && (from != nullptr || to != nullptr) && (to != nullptr || dead_store_ != static_cast<int64_t>(w[0]))) {
          if (to != nullptr) {
            if (from != nullptr) mov(*to, *from);
            else mov(*to, S(w[1]));
            refreshed_ = w[0];
          } else {
            mov(S(w[0]), *from);
          }
          return;
        }
        load_rax(w[1], true);
        result_in_rax(w[0]);
        return;
      }
      case Op::copy2:
        mov(rax, S(w[1]));
        mov(S(w[0]), rax);
        mov(rax, S(w[3]));
        mov(S(w[2]), rax);
        return;
      case Op::const32:
      case Op::const64: {
        const uint64_t v = op == Op::const32 ? w[1] : w[2] | (static_cast<uint64_t>(w[3]) << 32);
        if (const Xbyak::Reg64* p = pin(w[0])) {
          // Straight into the local's register (rax holds nothing new).
          if (v == 0) xor_(p->cvt32(), p->cvt32());
          else if (v <= UINT32_MAX) mov(p->cvt32(), static_cast<uint32_t>(v));
          else mov(*p, v);
          refreshed_ = w[0];
          return;
        }
        // A constant the next instruction does not read (a local set, an argument): one store
        // of an immediate (sign-extended: an i32's slot keeps its upper half zero).
        const bool imm_fits = op == Op::const32 ? v < 0x80000000u
                                                : static_cast<int64_t>(v) == static_cast<int32_t>(v);
        if (imm_fits && dead_store_ != static_cast<int64_t>(w[0]) && !next_reads(at, op, w[0])) {
          mov(S(w[0]), static_cast<int32_t>(v));
          return;
        }
        if (op == Op::const32) mov(eax, static_cast<uint32_t>(v));
        else mov(rax, v);
        result_in_rax(w[0]);
        return;
      }
      case Op::select:
        if (in_ == static_cast<int64_t>(w[1])) mov(ecx, eax);
        else if (const Xbyak::Reg64* p = pin(w[1])) mov(ecx, p->cvt32());
        else mov(ecx, S32(w[1]));
        if (in_ == static_cast<int64_t>(w[3]) && w[2] != w[3]) {
          mov(rdx, rax);
          load_rax(w[2], true);
          test(ecx, ecx);
          cmove(rax, rdx);
        } else {
          load_rax(w[2], true);
          test(ecx, ecx);
          if (w[2] == w[3]) {
          } else if (const Xbyak::Reg64* p = pin(w[3])) {
            cmove(rax, *p);
          } else {
            cmove(rax, S(w[3]));
          }
        }
        result_in_rax(w[0]);
        return;
      case Op::global_get:
        mov(rax, qword[r12 + kInGlobals]);
        mov(rax, qword[rax + static_cast<int32_t>(w[1] * 8)]);
        mov(rax, qword[rax + static_cast<int32_t>(offsetof(GlobalObj, value_))]);
        result_in_rax(w[0]);
        return;
      case Op::global_set:
        if (in_ == static_cast<int64_t>(w[1])) mov(rcx, rax);
        else if (const Xbyak::Reg64* p = pin(w[1])) mov(rcx, *p);
        else mov(rcx, S(w[1]));
        mov(rax, qword[r12 + kInGlobals]);
        mov(rax, qword[rax + static_cast<int32_t>(w[0] * 8)]);
        mov(qword[rax + static_cast<int32_t>(offsetof(GlobalObj, value_))], rcx);
        return;
      default:
        break;
    }
    if (Helper h = special_helper(op)) {
      const bool can_trap = op == Op::memory_fill || op == Op::memory_copy || op == Op::memory_init ||
                            op == Op::table_get || op == Op::table_set || op == Op::table_fill ||
                            op == Op::table_copy || op == Op::table_init;
      helper(h, w, can_trap);
      return;
    }
    if (is_cmp_branch(op)) {
      Cc cc;
      compare(op, w[0], w[1], is_cmp_si(op), cc);
      branch(at, static_cast<int32_t>(w[2]), cc);
      out_ = rax_after_cmp_;  // falling through, rax still holds what compare() left there
      return;
    }
    {
      Cc cc;
      if (compare(op, w[1], w[2], is_cmp_si(op), cc)) {
        setcc(cc, al);
        movzx(eax, al);
        result_in_rax(w[0]);
        return;
      }
    }
    if (int_binop(op, w) || float_op(op, w) || unop(op, w)) return;
    if (op >= Op::i32_div_s && op <= Op::i64_rem_u) {
      division(op, w);
      return;
    }
    if (op >= Op::i32_load && op <= Op::i64_load32_u) {
      load(op, w);
      return;
    }
    if (op >= Op::i32_store && op <= Op::i64_store32) {
      store(op, w);
      return;
    }
    if (op >= Op::i32_add__i32_load && op < Op::kCount) {
      membinop(op, w);
      return;
    }
    const NumHelper& nh = num_helpers()[static_cast<size_t>(op)];
    if (nh.fn == nullptr) throw std::runtime_error("no code for an operation");
    helper(nh.fn, w, nh.traps);
  }
  // A helper already stored its trap code in the thread state.
  Xbyak::Label& trap_recorded() { return trap(kRecorded); }

  static constexpr uint32_t kRecorded = 0xFFFF;
  const Module& m_;
  const std::vector<uint32_t>& defs_;
  std::unordered_map<uint32_t, size_t> index_of_;
  std::vector<Xbyak::Label> starts_;
  std::vector<size_t> ends_;
  std::deque<Xbyak::Label> label_store_;
  std::unordered_map<uint32_t, Xbyak::Label*> labels_;
  std::unordered_map<uint32_t, Xbyak::Label*> head_checks_;  // loop head -> its interrupt check
  std::unordered_set<uint32_t> loop_heads_;                   // targets of backward branches
  std::map<uint32_t, Xbyak::Label*> traps_;
  std::deque<Slow> slow_;
  std::deque<JumpTable> tables_;
  uint32_t func_index_ = 0;
  uint32_t dst_ = 0;
  // The slot whose value rax holds when the current instruction starts (in_) and when it
  // ends (out_, set by the emitters), or -1: consumers skip reloading a result just stored.
  int64_t in_ = -1;
  int64_t out_ = -1;
  int64_t xin_ = -1;         // the same for xmm0 (a float result: f32 or f64 as its slot holds it)
  int64_t xout_ = -1;
  int64_t refreshed_ = -1;   // the slot result_in_rax wrote (its register is up to date)
  int64_t dead_store_ = -1;  // a result slot that result_in_rax need not write
  int64_t xdead_store_ = -1; // an f64 result slot that f64_result need not write
  uint32_t written_pins_ = 0;  // bit i: pin i's local is written by the function
  int64_t rax_after_cmp_ = -1;  // the slot rax holds after compare()
  // A pinned local whose 32 bits rcx holds (zero-extended) as an address: set by a load or
  // store through it, kept while only loads and stores of other registers follow.
  int64_t ecx_holds_ = -1;
  int64_t ecx_next_ = -1;
  // A slot (not a pinned local's) whose 64 bits rdx holds, as its slot does, or -1: a result
  // read again a few instructions later is taken from rdx instead of the slot it was just
  // stored to. Kept only across instructions whose code never writes rdx otherwise
  // (rdx_safe); rdx_ok_: the current one is such; rdx_set_: it set rdx_holds_.
  int64_t rdx_holds_ = -1;
  uint32_t at_ = 0;  // the instruction being compiled
  bool rdx_ok_ = false;
  bool rdx_set_ = false;
  uint32_t num_results_ = 0;
  const std::unordered_set<uint32_t>* targets_ = nullptr;  // of the function being compiled
  const uint32_t* code_ = nullptr;
  uint32_t code_size_ = 0;
  bool called_out_ = false;  // the instruction called a helper or a function
  int pins_ = 0;
  uint32_t pin_slot_[kPins] = {};
};

// Functions compiled together with `first`: those it calls directly, breadth first, up to a
// budget of internal code (one piece of code memory, one mprotect, for a group of callers
// and callees).
std::vector<uint32_t> batch_of(JitModule& jm, uint32_t first) {
  constexpr size_t kBudgetWords = 8 * 1024;
  const Module& m = *jm.module;
  std::vector<uint32_t> out{first};
  std::unordered_set<uint32_t> seen{first};
  size_t words = m.code().functions[first].code_size;
  for (size_t i = 0; i < out.size() && words < kBudgetWords; ++i) {
    const CompiledFunction& cf = m.code().functions[out[i]];
    for (uint32_t at = 0; at < cf.code_size;) {
      const Op op = op_at(cf.code + at);
      if (op == Op::call) {
        uint32_t callee = cf.code[at + 2];
        if (callee >= m.num_imported_funcs) {
          uint32_t def = callee - m.num_imported_funcs;
          if (!seen.count(def) && jm.entries[def].load(std::memory_order_relaxed) == g_lazy_stub &&
              words + m.code().functions[def].code_size <= kBudgetWords) {
            seen.insert(def);
            out.push_back(def);
            words += m.code().functions[def].code_size;
          }
        }
      }
      at += instruction_words(cf.code + at, op);
    }
  }
  return out;
}

// WB_JIT_PERFMAP=1: each compiled function's address range and name, appended to
// /tmp/perf-PID.map, where `perf report` and `perf top` look up code they have no file for.
void write_perf_map(const JitModule& jm, const uint8_t* code, const Batch& b, const std::vector<uint32_t>& defs) {
  static std::mutex mu;
  std::lock_guard lock(mu);
  const std::string path = "/tmp/perf-" + std::to_string(::getpid()) + ".map";
  // Not through a symbolic link, and only into a file of this user's (/tmp is shared).
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_uid != ::geteuid() || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return;
  }
  std::FILE* f = ::fdopen(fd, "a");
  if (f == nullptr) {
    ::close(fd);
    return;
  }
  for (size_t i = 0; i < defs.size(); ++i) {
    std::string name = jm.module->function_name(jm.module->num_imported_funcs + defs[i]);
    for (char& c : name)  // a name section may hold anything; the map is one line per function
      if (static_cast<unsigned char>(c) < 0x21 || c == 0x7F) c = '_';
    std::fprintf(f, "%zx %zx wasm:%s\n", reinterpret_cast<uintptr_t>(code + b.offset_of(i)), b.end_of(i) - b.offset_of(i),
                 name.c_str());
  }
  std::fclose(f);
}

const void* compile_locked(JitModule& jm, uint32_t def) {
  const void* have = jm.entries[def].load(std::memory_order_acquire);
  if (have != g_lazy_stub) return have;
  std::vector<uint32_t> defs = batch_of(jm, def);
  try {
    Batch b(*jm.module, defs);
    b.compile();
    if (std::getenv("WB_JIT_DEBUG") != nullptr) {
      size_t words = 0;
      for (uint32_t d : defs) words += jm.module->code().functions[d].code_size;
      std::fprintf(stderr, "jit: compiled %zu functions from function %u (%zu internal words, %zu bytes of code)\n",
                   defs.size(), def, words, b.getSize());
      if (const char* dir = std::getenv("WB_JIT_DUMP")) {  // raw code, for objdump -b binary
        static int batches = 0;
        const std::string path = std::string(dir) + "/jit-" + std::to_string(batches++) + "-f" + std::to_string(def) + ".bin";
        if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
          std::fwrite(b.getCode(), 1, b.getSize(), f);
          std::fclose(f);
        }
      }
    }
    size_t bytes = 0;
    uint8_t* p = install(b, bytes);
    if (p == nullptr) return nullptr;
    jm.chunks.emplace_back(p, bytes);
    for (size_t i = 0; i < defs.size(); ++i) {
      const size_t start = b.offset_of(i);
      const size_t end = b.end_of(i);
      jm.ranges.push_back({reinterpret_cast<uintptr_t>(p + start), reinterpret_cast<uintptr_t>(p + end),
                           jm.module->num_imported_funcs + defs[i]});
      jm.entries[defs[i]].store(p + start, std::memory_order_release);
    }
    if (std::getenv("WB_JIT_PERFMAP") != nullptr) write_perf_map(jm, p, b, defs);
    return jm.entries[def].load(std::memory_order_acquire);
  } catch (const std::exception& e) {
    if (std::getenv("WB_JIT_DEBUG") != nullptr) std::fprintf(stderr, "jit: function %u: %s\n", def, e.what());
    return nullptr;
  }
}

const void* lazy_compile(JitInstance* ji, uint32_t def) {
  JitModule& jm = *ji->module;
  std::lock_guard lock(jm.mu);
  return compile_locked(jm, def);
}

// Where this thread's stack ends (cached: reading it costs a /proc read on the main thread).
uintptr_t native_stack_limit() {
  thread_local uintptr_t limit = [] {
    pthread_attr_t attr;
    uintptr_t lo = 0;
    size_t size = 0;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
      void* addr = nullptr;
      pthread_attr_getstack(&attr, &addr, &size);
      pthread_attr_destroy(&attr);
      lo = reinterpret_cast<uintptr_t>(addr);
    }
    if (lo == 0 || size == 0) return uintptr_t{0};
    // Keep room below the deepest wasm frame for host functions and the helpers they call.
    const size_t reserve = std::max<size_t>(size / 8, 256 * 1024);
    return lo + std::min(reserve, size / 2);
  }();
  return limit;
}

const char* message_of(uint32_t code) {
  switch (code) {
    case kUnreachable: return "unreachable";
    case kDivZero: return "integer divide by zero";
    case kIntOverflow: return "integer overflow";
    case kBadConversion: return "invalid conversion to integer";
    case kMemoryOob: return "out of bounds memory access";
    case kTableOob: return "out of bounds table access";
    case kUndefinedElement: return "undefined element";
    case kUninitializedElement: return "uninitialized element";
    case kIndirectMismatch: return "indirect call type mismatch";
    case kExhausted: return "call stack exhausted";
    case kInterrupted: return "interrupted";
    case kCompileFailed: return "out of memory for compiled code";
    default: return "trap";
  }
}

std::string function_at(JitThread* t) {
  JitInstance* ji = t->trap_ctx;
  if (ji == nullptr) return {};
  uint32_t func = t->trap_func;
  if (func == kByPc) {
    JitModule& jm = *ji->module;
    std::lock_guard lock(jm.mu);
    for (const auto& r : jm.ranges)
      if (t->trap_pc >= r.start && t->trap_pc < r.end) func = r.func;
  }
  if (func == kByPc || func >= ji->inst->funcs_.size()) return {};
  return ji->inst->funcs_[func]->name();
}

}  // namespace

bool available() { return init_once(); }

JitInstance* attach(StoreState& store, InstanceObj& inst) {
  if (store.limits.tier != Tier::Compiler || !init_once()) return nullptr;
  MemoryObj* mem = inst.memories_.empty() ? nullptr : impl(inst.memories_[0]);
  if (mem != nullptr && !mem->guarded_) return nullptr;
  const Module& m = *inst.module_;
  JitModule* jm = m.code().jit.load(std::memory_order_acquire);
  if (jm == nullptr) {
    static std::mutex create_mu;
    std::lock_guard lock(create_mu);
    jm = m.code().jit.load(std::memory_order_acquire);
    if (jm == nullptr) {
      auto fresh = std::make_unique<JitModule>();
      fresh->module = &m;
      fresh->entries = std::make_unique<std::atomic<const void*>[]>(m.code().functions.size());
      for (size_t i = 0; i < m.code().functions.size(); ++i) fresh->entries[i].store(g_lazy_stub, std::memory_order_relaxed);
      jm = fresh.release();
      m.code().jit.store(jm, std::memory_order_release);
    }
  }
  auto* ji = new JitInstance;
  ji->entries = jm->entries.get();
  ji->globals = inst.globals_.data();
  ji->mem = mem;
  ji->inst = &inst;
  ji->store = &store;
  ji->module = jm;
  return ji;
}

bool compile_entry(JitInstance* ji, uint32_t def) { return lazy_compile(ji, def) != nullptr; }

size_t compile_all(JitInstance* ji) {
  JitModule& jm = *ji->module;
  std::lock_guard lock(jm.mu);
  size_t done = 0;
  for (uint32_t def = 0; def < jm.module->code().functions.size(); ++def)
    if (compile_locked(jm, def) != nullptr) ++done;
  return done;
}

void destroy(JitInstance* ji) { delete ji; }
void destroy(JitThread* jt) { delete jt; }
void destroy(JitModule* jm) {
  if (jm == nullptr) return;
  for (auto [p, bytes] : jm->chunks) g_heap.release(p, bytes);
  delete jm;
}

std::optional<Trap> open(Store* store_ptr, Function* entry, Activation& a) {
  StoreState* store = &StoreState::of(*store_ptr);
  if (store->native_depth_ >= store->limits.max_nested_calls)
    return Trap{TrapKind::Exhaustion, "call stack exhausted (too many nested host calls)", entry->name(), 0};
  const InstanceObj* inst = impl(entry)->instance_;
  JitInstance* ji = inst->jit_;
  if (store->jit_thread_ == nullptr) {
    auto* t = new JitThread;
    t->intr = store->interrupt;
    t->trap_common = g_trap_common;
    t->pause_stub = g_pause_stub;
    t->store = store_ptr;
    store->jit_thread_ = t;
  }
  JitThread* t = store->jit_thread_;
  const uint32_t def = entry->index() - inst->module_->num_imported_funcs;
  const void* code = ji->entries[def].load(std::memory_order_acquire);
  if (code == g_lazy_stub) code = lazy_compile(ji, def);
  if (code == nullptr) return Trap{TrapKind::Host, message_of(kCompileFailed), entry->name(), 0};
  if (store->stack_limit_ == nullptr) return Trap{TrapKind::Exhaustion, "call stack exhausted", entry->name(), 0};

  a.enter = g_enter;
  a.each = g_each;
  a.ji = ji;
  a.t = t;
  a.code = code;
  a.mem = ji->mem != nullptr ? ji->mem->base_ : nullptr;
  a.saved_entry_rsp = t->entry_rsp;
  a.saved_limit = t->limit;
  a.saved_depth_limit = t->depth_limit;
  a.saved_depth_bytes = t->depth_bytes;
  a.saved_top = store->stack_top_;
  a.saved_running = t_running;
  const uint64_t max_depth = store->limits.max_call_depth;
  if (t->activations == 0) {
    t->native_limit = native_stack_limit();
    t->value_limit = store->stack_limit_;
    t->depth_bytes = 16 * max_depth;
  } else {
    // Nested (compiled code called the host, which calls back): the frames left are those
    // between where compiled code called out and the enclosing activation's depth limit.
    const uintptr_t out = t->callout_rsp;
    const uintptr_t left = out > t->depth_limit ? (out - t->depth_limit) & ~uintptr_t{15} : 0;
    t->depth_bytes = std::min<uint64_t>(left, 16 * max_depth);
  }
  ++t->activations;
  ++store->native_depth_;
  t_running = t;
  t->trap_ctx = nullptr;
  return std::nullopt;
}

void close(Store* store_ptr, Activation& a) {
  StoreState* store = &StoreState::of(*store_ptr);
  JitThread* t = a.t;
  t_running = a.saved_running;
  --store->native_depth_;
  --t->activations;
  t->entry_rsp = a.saved_entry_rsp;
  t->limit = a.saved_limit;
  t->depth_limit = a.saved_depth_limit;
  t->depth_bytes = a.saved_depth_bytes;
  store->stack_top_ = a.saved_top;
}

Trap trap_of(Store* store_ptr, Activation& a) {
  StoreState* store = &StoreState::of(*store_ptr);
  JitThread* t = a.t;
  store->stack_top_ = a.saved_top;
  if (t->trap_code == kHostTrap && store->host_trap_.has_value()) {
    Trap trap = std::move(*store->host_trap_);
    store->host_trap_.reset();
    if (trap.function.empty()) trap.function = function_at(t);
    t->trap_ctx = nullptr;
    return trap;
  }
  Trap trap;
  trap.kind = t->trap_code == kExhausted     ? TrapKind::Exhaustion
              : t->trap_code == kInterrupted ? TrapKind::Interrupted
              : t->trap_code == kCompileFailed ? TrapKind::Host
                                               : TrapKind::Trap;
  trap.message = message_of(t->trap_code);
  trap.function = function_at(t);
  t->trap_ctx = nullptr;
  return trap;
}

std::optional<Trap> execute(Store* store, Function* entry, uint64_t* args) {
  Activation a;
  if (std::optional<Trap> refused = open(store, entry, a)) return refused;
  std::optional<Trap> trap;
  if (a.enter(a.ji, a.t, args, a.code, a.mem) != 0) trap = trap_of(store, a);
  close(store, a);
  return trap;
}

}  // namespace jit
}  // namespace wb::wasm

#else  // not x86-64: the interpreter runs everything

namespace wb::wasm::jit {
bool available() { return false; }
JitInstance* attach(StoreState&, InstanceObj&) { return nullptr; }
void destroy(JitInstance*) {}
void destroy(JitThread*) {}
void destroy(JitModule*) {}
std::optional<Trap> execute(Store*, Function*, uint64_t*) { return Trap{TrapKind::Host, "no compiling tier", {}, 0}; }
std::optional<Trap> open(Store*, Function*, Activation&) { return Trap{TrapKind::Host, "no compiling tier", {}, 0}; }
void close(Store*, Activation&) {}
Trap trap_of(Store*, Activation&) { return Trap{TrapKind::Host, "no compiling tier", {}, 0}; }
size_t compile_all(JitInstance*) { return 0; }
bool compile_entry(JitInstance*, uint32_t) { return false; }
}  // namespace wb::wasm::jit

#endif
