// SPDX-License-Identifier: MIT
/// @brief The fast unwinder's walk (see fast_unwinder.h).
#include "fast_unwinder.h"

#include "mapping_bounds.h"

// The caller's registers at its call of this function: return address (a call site in the
// caller, looked up as ip - 1 like every other frame), the stack pointer after the return
// (the caller's rsp at the call), and rbp, which this function leaves alone.
extern "C" void memprof_read_call_registers(std::uintptr_t* out) noexcept;
asm(R"(
  .text
  .p2align 4
  .globl memprof_read_call_registers
  .hidden memprof_read_call_registers
  .type memprof_read_call_registers, @function
memprof_read_call_registers:
  .cfi_startproc
  movq (%rsp), %rax
  movq %rax, 0(%rdi)
  leaq 8(%rsp), %rax
  movq %rax, 8(%rdi)
  movq %rbp, 16(%rdi)
  ret
  .cfi_endproc
  .size memprof_read_call_registers, .-memprof_read_call_registers
)");

namespace memprof::preload {

namespace {

// Where this thread's stack is mapped, found once (and again if rsp is ever outside it: a
// program switching stacks, or the main thread's stack having grown). Bounded, because each
// look-up reads /proc/self/maps; past that the thread always falls back to libunwind.
constexpr unsigned kMaxStackLookups = 64;
__thread MappingBounds t_stack __attribute__((tls_model("initial-exec")));
__thread unsigned t_stackLookups __attribute__((tls_model("initial-exec")));

bool stackBoundsCover(std::uintptr_t sp) {
  if (sp >= t_stack.begin && sp < t_stack.end) return true;
  if (t_stackLookups >= kMaxStackLookups) return false;
  ++t_stackLookups;
  t_stack = findMappingBounds(sp);
  return sp >= t_stack.begin && sp < t_stack.end;
}

// libunwind's trace ends at a return address below this (a zeroed or bogus slot).
constexpr std::uintptr_t kLowestReturnAddress = 0x4000;

}  // namespace

__attribute__((noinline)) int fastBacktrace(FrameRuleCache& rules, std::uintptr_t* buffer, int size,
                                            std::uintptr_t* stopPc) noexcept {
  std::uintptr_t registers[3];
  memprof_read_call_registers(registers);
  std::uintptr_t pc = registers[0];
  std::uintptr_t rsp = registers[1];
  std::uintptr_t rbp = registers[2];
  if (!stackBoundsCover(rsp)) return kFastUnwindNoStack;
  const std::uintptr_t stackBegin = t_stack.begin;
  const std::uintptr_t stackEnd = t_stack.end;
  rules.revalidate();

  std::uintptr_t cfa = rsp;
  int depth = 0;
  while (depth < size) {
    const FrameRule rule = rules.ruleFor(pc - 1);
    if (rule.kind != FrameRuleKind::Standard) {
      if (rule.kind == FrameRuleKind::Outermost) break;
      if (stopPc != nullptr) *stopPc = pc - 1;
      return kFastUnwindUnknownRule;
    }
    const std::uintptr_t next =
        (rule.cfaFromRbp ? rbp : rsp) + static_cast<std::intptr_t>(rule.cfaOffset);
    // Strictly outwards and inside the stack mapping, with the return address slot too.
    if (next <= cfa || next > stackEnd || next - 8 < stackBegin) return kFastUnwindOutOfStack;
    const std::uintptr_t returnAddress = *reinterpret_cast<const std::uintptr_t*>(next - 8);
    if (rule.rbpSaved) {
      const std::uintptr_t slot = next + static_cast<std::intptr_t>(rule.rbpOffset);
      if (slot < stackBegin || slot > stackEnd - 8) return kFastUnwindOutOfStack;
      rbp = *reinterpret_cast<const std::uintptr_t*>(slot);
    }
    rsp = cfa = next;
    if (returnAddress < kLowestReturnAddress) break;
    buffer[depth++] = returnAddress;
    pc = returnAddress;
  }
  return depth;
}

}  // namespace memprof::preload
