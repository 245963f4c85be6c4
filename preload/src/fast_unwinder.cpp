// SPDX-License-Identifier: MIT
/// @brief The fast unwinder's walk (see fast_unwinder.h).
#include "fast_unwinder.h"

#include <new>

#include "internal_memory.h"
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

// Where this thread's stack is mapped, found in /proc/self/maps when rsp is outside what is
// known: at the thread's first capture, when the main thread's stack has grown (same end),
// and when the program runs on another stack (a different end: sigaltstack, coroutines).
// Switches are bounded, since each costs a read of the maps; past that the thread always
// falls back to libunwind. Per thread, not per FastUnwinder: an unwinder moves to another
// thread with the ThreadState that holds it.
constexpr unsigned kMaxStackSwitches = 64;
__thread MappingBounds t_stack __attribute__((tls_model("initial-exec")));
__thread unsigned t_stackSwitches __attribute__((tls_model("initial-exec")));

bool stackBoundsCover(std::uintptr_t sp) {
  if (sp >= t_stack.begin && sp < t_stack.end) return true;
  if (t_stackSwitches >= kMaxStackSwitches) return false;
  const MappingBounds found = findMappingBounds(sp);
  if (found.end == 0 || found.end != t_stack.end) ++t_stackSwitches;
  t_stack = found;
  return sp >= t_stack.begin && sp < t_stack.end;
}

// libunwind's trace ends at a return address below this (a zeroed or bogus slot).
constexpr std::uintptr_t kLowestReturnAddress = 0x4000;

std::uintptr_t loadWord(std::uintptr_t address) {
  return *reinterpret_cast<const std::uintptr_t*>(address);
}

}  // namespace

FastUnwinder* FastUnwinder::create() noexcept {
  void* memory = internalMap(sizeof(FastUnwinder));
  if (memory == nullptr) return nullptr;
  // Zeroed memory is already an empty rule table and two invalid records: constructing the
  // object would write all 256 KiB of the table, which a thread may never need.
  auto* unwinder = static_cast<FastUnwinder*>(memory);
  unwinder->rules_.initZeroed();
  return unwinder;
}

__attribute__((noinline)) int FastUnwinder::backtrace(std::uintptr_t* buffer, int size,
                                                      std::uintptr_t* stopPc) noexcept {
  std::uintptr_t registers[3];
  memprof_read_call_registers(registers);
  return walk(registers[0], registers[1], registers[2], buffer, size, stopPc);
}

int FastUnwinder::walk(std::uintptr_t pc, std::uintptr_t rsp, std::uintptr_t rbp,
                       std::uintptr_t* buffer, int size, std::uintptr_t* stopPc) noexcept {
  if (size > WalkRecord::kMaxSteps) size = WalkRecord::kMaxSteps;  // see the header
  if (!stackBoundsCover(rsp)) return kFastUnwindNoStack;
  const std::uintptr_t stackBegin = t_stack.begin;
  const std::uintptr_t stackEnd = t_stack.end;
  rules_.revalidate();

  const WalkRecord& last = records_[previous_];
  WalkRecord& record = records_[previous_ ^ 1];
  previous_ ^= 1;
  record.valid = false;
  record.ruleEpoch = rules_.epoch();
  record.stackBegin = stackBegin;
  record.stackEnd = stackEnd;
  // The last walk can be taken over only if it followed the same rules on the same stack.
  bool reusable = last.valid && last.ruleEpoch == rules_.epoch() && last.stackBegin == stackBegin &&
                  last.stackEnd == stackEnd;
  int candidate = 0;    // last walk's first step whose cfa is not below the current one
  int firstUsable = 0;  // matches before this step cannot be taken over (a word changed)

  std::uintptr_t cfa = rsp;
  int depth = 0;
  // Rules the last walk used at the same depth for the same pc need no table look-up.
  const bool hints = last.valid && last.ruleEpoch == rules_.epoch();
  while (depth < size) {
    FrameRule rule;
    if (!hints || !last.ruleAt(depth, pc, &rule)) rule = rules_.ruleFor(pc - 1);
    if (depth == 0) {
      record.firstPc = pc;
      record.firstRule = rule;
    } else {
      record.steps[depth - 1].rule = rule;
    }
    if (rule.kind != FrameRuleKind::Standard) {
      if (rule.kind == FrameRuleKind::Outermost) {
        record.endReadAddress = 0;
        record.endedAtLimit = false;
        record.count = depth;
        record.valid = true;
        return depth;
      }
      if (stopPc != nullptr) *stopPc = pc - 1;
      return kFastUnwindUnknownRule;
    }
    const std::uintptr_t next =
        (rule.cfaFromRbp ? rbp : rsp) + static_cast<std::intptr_t>(rule.cfaOffset);
    // Strictly outwards and inside the stack mapping, with the return address slot too.
    if (next <= cfa || next > stackEnd || next - 8 < stackBegin) return kFastUnwindOutOfStack;
    const std::uintptr_t returnAddress = loadWord(next - 8);
    std::uintptr_t rbpSlot = 0;
    if (rule.rbpSaved()) {
      rbpSlot = next + static_cast<std::intptr_t>(rule.rbpOffset);
      if (rbpSlot < stackBegin || rbpSlot > stackEnd - 8) return kFastUnwindOutOfStack;
      rbp = loadWord(rbpSlot);
    }
    rsp = cfa = next;
    ++framesWalked_;
    if (returnAddress < kLowestReturnAddress) {
      record.endReadAddress = next - 8;
      record.endReadValue = returnAddress;
      record.endedAtLimit = false;
      record.count = depth;
      record.valid = true;
      return depth;
    }
    pc = returnAddress;
    buffer[depth] = pc;
    record.steps[depth] = WalkStep{pc, cfa, rbp, rbpSlot, FrameRule{}};
    ++depth;
    if (!reusable) continue;

    // Has the last walk been in this very state, with everything it read further out intact?
    while (candidate < last.count && last.steps[candidate].cfa < cfa) ++candidate;
    if (candidate == last.count) {
      reusable = false;
      continue;
    }
    const WalkStep& seen = last.steps[candidate];
    if (candidate < firstUsable || seen.cfa != cfa || seen.pc != pc || seen.rbp != rbp) continue;
    if (!last.unchangedFrom(candidate + 1, &firstUsable)) continue;
    int take = last.count - (candidate + 1);
    if (take > size - depth) take = size - depth;
    for (int i = 0; i < take; ++i) {
      const WalkStep& step = last.steps[candidate + 1 + i];
      buffer[depth] = step.pc;
      record.steps[depth] = step;
      ++depth;
    }
    framesReused_ += static_cast<std::uint64_t>(take);
    if (depth == size || !last.endedAtLimit) {
      record.endReadAddress = last.endReadAddress;
      record.endReadValue = last.endReadValue;
      record.endedAtLimit = depth == size;
      record.count = depth;
      record.valid = true;
      return depth;
    }
    // The last walk stopped at its limit, this one has room for more: walk on from its end.
    const WalkStep& end = record.steps[depth - 1];
    pc = end.pc;
    cfa = rsp = end.cfa;
    rbp = end.rbp;
    reusable = false;
  }
  record.endedAtLimit = true;
  record.count = depth;
  record.valid = true;
  return depth;
}

}  // namespace memprof::preload
