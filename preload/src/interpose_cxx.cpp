// SPDX-License-Identifier: MIT
/// @brief C++ operator new/new[]/delete/delete[]: plain, nothrow, sized and aligned forms.
///
/// Each forwards to the runtime's own operator (so new_handler and bad_alloc behave exactly as
/// without memprof) under the reentrancy guard, so the malloc it makes is not counted again.
/// memprof is compiled without exceptions; see newThrowing for how bad_alloc still reaches the
/// program.
#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <new>

#include "interpose_common.h"

using namespace memprof::preload;
using memprof::format::AllocFn;

namespace {

// Our own nothrow tag: referring to std::nothrow would link libstdc++ into every program.
constexpr std::nothrow_t kNothrow{};

template <typename Fn>
Fn realOr(Fn RealCxxOperators::*member) {
  Fn fn = g_realCxx.*member;
  if (MEMPROF_UNLIKELY(fn == nullptr)) {
    ensureResolved();
    resolveCxxOperators();
    fn = g_realCxx.*member;
  }
  return fn;
}

[[noreturn]] void noRuntime() {
  static const char kMsg[] = "memprof: no C++ runtime operator new/delete to forward to\n";
  (void)!write(2, kMsg, sizeof kMsg - 1);
  abort();
}

/// Throws std::bad_alloc through the C++ runtime itself: memprof is built without exception
/// support (so it does not drag libstdc++ into C programs), and the runtime is loaded whenever
/// a program calls operator new.
[[noreturn]] void throwBadAlloc() {
  using Thrower = void (*)();
  static Thrower thrower = nullptr;
  if (thrower == nullptr)
    thrower = reinterpret_cast<Thrower>(dlsym(RTLD_DEFAULT, "_ZSt17__throw_bad_allocv"));
  if (thrower == nullptr) noRuntime();
  thrower();
  __builtin_unreachable();
}

/// Throwing operator new. The program's own call forwards to the runtime's *nothrow* form under
/// the guard (it runs the same new_handler loop) and throws bad_alloc after releasing the guard,
/// so no exception ever unwinds through a frame that holds memprof state. Nested calls (the
/// runtime's nothrow new calls the throwing one) go straight to the runtime's throwing form;
/// their exceptions pass through this frame, which holds nothing.
template <typename Throwing, typename Nothrow, typename... Args>
void* newThrowing(Throwing RealCxxOperators::*throwing, Nothrow RealCxxOperators::*nothrow,
                  AllocFn kind, std::size_t size, Args... args) {
  if (!shouldRecord()) {
    Throwing fn = realOr(throwing);
    if (fn == nullptr) noRuntime();
    return fn(size, args...);
  }
  Nothrow fn = realOr(nothrow);
  if (fn == nullptr) noRuntime();
  ++t_inHook;
  void* p = fn(size, args..., kNothrow);
  if (p != nullptr) recordAlloc(kind, p, size);
  --t_inHook;
  if (p == nullptr) throwBadAlloc();
  return p;
}

template <typename Fn, typename... Args>
void* newNothrow(Fn RealCxxOperators::*member, AllocFn kind, std::size_t size, Args... args) {
  Fn fn = realOr(member);
  if (fn == nullptr) noRuntime();
  if (!shouldRecord()) return fn(size, args...);
  ++t_inHook;
  void* p = fn(size, args...);
  if (p != nullptr) recordAlloc(kind, p, size);
  --t_inHook;
  return p;
}

template <typename Fn, typename... Args>
void deleteImpl(Fn RealCxxOperators::*member, AllocFn kind, void* p, Args... args) {
  if (p == nullptr) return;
  Fn fn = realOr(member);
  if (fn == nullptr) noRuntime();
  if (!shouldRecord()) return fn(p, args...);
  ReentrancyGuard guard;
  recordFree(kind, p, takeSequence());
  fn(p, args...);
}

}  // namespace

#define MEMPROF_CXX_EXPORT __attribute__((visibility("default")))

MEMPROF_CXX_EXPORT void* operator new(std::size_t n) {
  return newThrowing(&RealCxxOperators::opNew, &RealCxxOperators::opNewNothrow, AllocFn::New, n);
}
MEMPROF_CXX_EXPORT void* operator new[](std::size_t n) {
  return newThrowing(&RealCxxOperators::opNewArray, &RealCxxOperators::opNewArrayNothrow,
                     AllocFn::NewArray, n);
}
MEMPROF_CXX_EXPORT void* operator new(std::size_t n, const std::nothrow_t& t) noexcept {
  return newNothrow(&RealCxxOperators::opNewNothrow, AllocFn::New, n, t);
}
MEMPROF_CXX_EXPORT void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept {
  return newNothrow(&RealCxxOperators::opNewArrayNothrow, AllocFn::NewArray, n, t);
}
MEMPROF_CXX_EXPORT void* operator new(std::size_t n, std::align_val_t a) {
  return newThrowing(&RealCxxOperators::opNewAligned, &RealCxxOperators::opNewAlignedNothrow,
                     AllocFn::New, n, a);
}
MEMPROF_CXX_EXPORT void* operator new[](std::size_t n, std::align_val_t a) {
  return newThrowing(&RealCxxOperators::opNewArrayAligned,
                     &RealCxxOperators::opNewArrayAlignedNothrow, AllocFn::NewArray, n, a);
}
MEMPROF_CXX_EXPORT void* operator new(std::size_t n, std::align_val_t a,
                                      const std::nothrow_t& t) noexcept {
  return newNothrow(&RealCxxOperators::opNewAlignedNothrow, AllocFn::New, n, a, t);
}
MEMPROF_CXX_EXPORT void* operator new[](std::size_t n, std::align_val_t a,
                                        const std::nothrow_t& t) noexcept {
  return newNothrow(&RealCxxOperators::opNewArrayAlignedNothrow, AllocFn::NewArray, n, a, t);
}

MEMPROF_CXX_EXPORT void operator delete(void* p) noexcept {
  deleteImpl(&RealCxxOperators::opDelete, AllocFn::Delete, p);
}
MEMPROF_CXX_EXPORT void operator delete[](void* p) noexcept {
  deleteImpl(&RealCxxOperators::opDeleteArray, AllocFn::DeleteArray, p);
}
MEMPROF_CXX_EXPORT void operator delete(void* p, std::size_t n) noexcept {
  deleteImpl(&RealCxxOperators::opDeleteSized, AllocFn::Delete, p, n);
}
MEMPROF_CXX_EXPORT void operator delete[](void* p, std::size_t n) noexcept {
  deleteImpl(&RealCxxOperators::opDeleteArraySized, AllocFn::DeleteArray, p, n);
}
MEMPROF_CXX_EXPORT void operator delete(void* p, std::align_val_t a) noexcept {
  deleteImpl(&RealCxxOperators::opDeleteAligned, AllocFn::Delete, p, a);
}
MEMPROF_CXX_EXPORT void operator delete[](void* p, std::align_val_t a) noexcept {
  deleteImpl(&RealCxxOperators::opDeleteArrayAligned, AllocFn::DeleteArray, p, a);
}
MEMPROF_CXX_EXPORT void operator delete(void* p, std::size_t n, std::align_val_t a) noexcept {
  deleteImpl(&RealCxxOperators::opDeleteSizedAligned, AllocFn::Delete, p, n, a);
}
MEMPROF_CXX_EXPORT void operator delete[](void* p, std::size_t n, std::align_val_t a) noexcept {
  deleteImpl(&RealCxxOperators::opDeleteArraySizedAligned, AllocFn::DeleteArray, p, n, a);
}
MEMPROF_CXX_EXPORT void operator delete(void* p, const std::nothrow_t& t) noexcept {
  deleteImpl(&RealCxxOperators::opDeleteNothrow, AllocFn::Delete, p, t);
}
MEMPROF_CXX_EXPORT void operator delete[](void* p, const std::nothrow_t& t) noexcept {
  deleteImpl(&RealCxxOperators::opDeleteArrayNothrow, AllocFn::DeleteArray, p, t);
}
MEMPROF_CXX_EXPORT void operator delete(void* p, std::align_val_t a,
                                        const std::nothrow_t& t) noexcept {
  deleteImpl(&RealCxxOperators::opDeleteAlignedNothrow, AllocFn::Delete, p, a, t);
}
MEMPROF_CXX_EXPORT void operator delete[](void* p, std::align_val_t a,
                                          const std::nothrow_t& t) noexcept {
  deleteImpl(&RealCxxOperators::opDeleteArrayAlignedNothrow, AllocFn::DeleteArray, p, a, t);
}
