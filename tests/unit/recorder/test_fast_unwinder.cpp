// SPDX-License-Identifier: MIT
/// @brief The fast unwinder against libunwind on this test's own stacks: optimised C++ frames,
/// hand-written frames (rbp-based CFA, a CFI row starting exactly at a return address, a DWARF
/// expression, an absurd CFA), recursion of varying depth (the previous walk's frames taken
/// over), and threads. Every stack both produce must be identical.
#define BOOST_TEST_MODULE test_fast_unwinder
#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <thread>
#include <vector>

#include "fast_unwinder.h"

using namespace memprof::preload;

extern "C" {
void unwtest_rbp_frame(void (*callback)());
void unwtest_row_at_return(void (*callback)());
void unwtest_cfa_expression(void (*callback)());
void unwtest_absurd_cfa(void (*callback)());
}

// Frames the compiler would not produce on its own; each calls its argument.
asm(R"(
  .text
  .globl unwtest_rbp_frame
  .type unwtest_rbp_frame, @function
unwtest_rbp_frame:
  .cfi_startproc
  push %rbp
  .cfi_def_cfa_offset 16
  .cfi_offset rbp, -16
  mov %rsp, %rbp
  .cfi_def_cfa_register rbp
  sub $48, %rsp
  call *%rdi
  leave
  .cfi_def_cfa rsp, 8
  ret
  .cfi_endproc
  .size unwtest_rbp_frame, .-unwtest_rbp_frame

  .globl unwtest_row_at_return
  .type unwtest_row_at_return, @function
unwtest_row_at_return:
  .cfi_startproc
  push %rbx
  .cfi_def_cfa_offset 16
  .cfi_offset rbx, -16
  call *%rdi
  .cfi_def_cfa_offset 48
  nop
  .cfi_def_cfa_offset 16
  pop %rbx
  .cfi_def_cfa_offset 8
  ret
  .cfi_endproc
  .size unwtest_row_at_return, .-unwtest_row_at_return

  .globl unwtest_cfa_expression
  .type unwtest_cfa_expression, @function
unwtest_cfa_expression:
  .cfi_startproc
  push %rbx
  /* DW_CFA_def_cfa_expression: DW_OP_breg7 (rsp) 16 */
  .cfi_escape 0x0f, 0x02, 0x77, 0x10
  .cfi_offset rbx, -16
  call *%rdi
  pop %rbx
  .cfi_def_cfa rsp, 8
  ret
  .cfi_endproc
  .size unwtest_cfa_expression, .-unwtest_cfa_expression

  .globl unwtest_absurd_cfa
  .type unwtest_absurd_cfa, @function
unwtest_absurd_cfa:
  .cfi_startproc
  push %rbx
  .cfi_def_cfa_offset 0x10000000
  call *%rdi
  pop %rbx
  .cfi_def_cfa_offset 8
  ret
  .cfi_endproc
  .size unwtest_absurd_cfa, .-unwtest_absurd_cfa
  .section .note.GNU-stack,"",@progbits
  .text
)");

namespace {

constexpr int kFrames = 128;

struct Capture {
  std::vector<std::uintptr_t> libunwind;
  std::vector<std::uintptr_t> fast;
  int fastResult = 0;
};

thread_local FastUnwinder* t_unwinder = nullptr;
thread_local Capture t_capture;

/// Captures with both unwinders from this one frame. The first entries (return addresses
/// into this function, from two different calls) differ by construction and are dropped.
__attribute__((noinline)) void captureBoth() {
  if (t_unwinder == nullptr) t_unwinder = FastUnwinder::create();
  void* raw[kFrames];
  const int n = unw_backtrace(raw, kFrames);
  std::uintptr_t fast[kFrames];
  const int m = t_unwinder->backtrace(fast, kFrames);
  t_capture.libunwind.assign(reinterpret_cast<std::uintptr_t*>(raw) + (n > 0 ? 1 : 0),
                             reinterpret_cast<std::uintptr_t*>(raw) + (n > 0 ? n : 0));
  t_capture.fast.assign(fast + (m > 0 ? 1 : 0), fast + (m > 0 ? m : 0));
  t_capture.fastResult = m;
}

__attribute__((noinline)) int recurse(int depth, void (*leaf)()) {
  if (depth == 0) {
    leaf();
    return 0;
  }
  volatile int pad[4] = {depth, depth, depth, depth};  // frames of some size
  return recurse(depth - 1, leaf) + pad[depth % 4];
}

void expectSame(const char* what) {
  BOOST_TEST_CONTEXT(what) {
    BOOST_TEST(t_capture.fastResult > 2);
    BOOST_TEST(t_capture.fast == t_capture.libunwind, boost::test_tools::per_element());
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(same_frames_as_libunwind_at_varying_depths) {
  // Deeper and shallower in turn: the previous walk is taken over from different points.
  for (const int depth : {0, 1, 5, 3, 40, 40, 39, 2, 100, 120, 7, 7}) {
    recurse(depth, captureBoth);
    expectSame("recursion");
  }
}

BOOST_AUTO_TEST_CASE(same_frames_through_hand_written_frames) {
  unwtest_rbp_frame(captureBoth);
  expectSame("CFA from rbp");
  unwtest_row_at_return(captureBoth);
  expectSame("a CFI row starting at the return address (libunwind looks rows up at ra - 1)");
  unwtest_rbp_frame([] { recurse(3, [] { unwtest_row_at_return(captureBoth); }); });
  expectSame("both, nested");
}

BOOST_AUTO_TEST_CASE(gives_up_on_expressions_and_never_follows_an_absurd_cfa) {
  unwtest_cfa_expression(captureBoth);
  BOOST_TEST(t_capture.fastResult == kFastUnwindUnknownRule);
  BOOST_TEST(!t_capture.libunwind.empty());  // libunwind gets through (the caller's fall back)

  // 256 MiB above the frame: outside any stack. The walk must end there, not read it; only
  // the fast unwinder runs (libunwind, which does not check, would fault).
  static int s_result = 0;
  unwtest_absurd_cfa([] {
    std::uintptr_t fast[kFrames];
    s_result = t_unwinder->backtrace(fast, kFrames);
  });
  BOOST_TEST(s_result == kFastUnwindOutOfStack);
}

BOOST_AUTO_TEST_CASE(same_frames_on_threads) {
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &mismatches] {
      for (int i = 0; i < 200; ++i) {
        recurse((i * 7 + t) % 30, captureBoth);
        if (t_capture.fastResult <= 2 || t_capture.fast != t_capture.libunwind) ++mismatches[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  BOOST_TEST(mismatches == std::vector<int>(4, 0), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(outermost_frame_ends_both_walks_alike) {
  // A thread's stack ends in clone3's frame (return address undefined); the main thread's in
  // _start's. Both walks must stop at the same frame.
  std::thread([] {
    captureBoth();
    expectSame("thread start");
  }).join();
  captureBoth();
  expectSame("main thread");
}
