// SPDX-License-Identifier: MIT
/// @brief dlsym(RTLD_NEXT) resolution of the functions the hooks forward to.
#include "real_functions.h"

#include <dlfcn.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>

namespace memprof::preload {

constinit RealFunctions g_real{};
constinit RealCxxOperators g_realCxx{};

namespace {

enum : int { kUnresolved = 0, kResolving = 1, kResolved = 2 };
std::atomic<int> s_state{kUnresolved};

template <typename T>
void lookup(T& slot, const char* name) noexcept {
  slot = reinterpret_cast<T>(dlsym(RTLD_NEXT, name));
}

[[noreturn]] void missing(const char* name) noexcept {
  static const char kMsg[] = "memprof: cannot resolve the real ";
  (void)!write(2, kMsg, sizeof kMsg - 1);
  std::size_t n = 0;
  while (name[n] != '\0') ++n;
  (void)!write(2, name, n);
  (void)!write(2, "\n", 1);
  abort();
}

}  // namespace

bool ensureResolved() noexcept {
  int state = s_state.load(std::memory_order_acquire);
  if (state == kResolved) return true;
  int expected = kUnresolved;
  if (!s_state.compare_exchange_strong(expected, kResolving, std::memory_order_acq_rel)) {
    return expected == kResolved;  // resolving (maybe by us, from inside dlsym): use the arena
  }
  RealFunctions r{};
  lookup(r.malloc, "malloc");
  lookup(r.free, "free");
  lookup(r.calloc, "calloc");
  lookup(r.realloc, "realloc");
  lookup(r.reallocarray, "reallocarray");
  lookup(r.posix_memalign, "posix_memalign");
  lookup(r.aligned_alloc, "aligned_alloc");
  lookup(r.memalign, "memalign");
  lookup(r.valloc, "valloc");
  lookup(r.pvalloc, "pvalloc");
  lookup(r.malloc_usable_size, "malloc_usable_size");
  lookup(r.dlclose, "dlclose");
  lookup(r.exit_, "_exit");
  lookup(r.Exit_, "_Exit");
  lookup(r.quickExit, "quick_exit");
  lookup(r.execve, "execve");
  lookup(r.execv, "execv");
  lookup(r.execvp, "execvp");
  lookup(r.execvpe, "execvpe");
  lookup(r.fexecve, "fexecve");
  lookup(r.sigaction, "sigaction");
  lookup(r.sigprocmask, "sigprocmask");
  if (r.malloc == nullptr) missing("malloc");
  if (r.free == nullptr) missing("free");
  if (r.calloc == nullptr) missing("calloc");
  if (r.realloc == nullptr) missing("realloc");
  g_real = r;
  resolveCxxOperators();
  s_state.store(kResolved, std::memory_order_release);
  return true;
}

void resolveCxxOperators() noexcept {
  if (g_realCxx.opNew != nullptr) return;
  RealCxxOperators c{};
  lookup(c.opNew, "_Znwm");
  lookup(c.opNewArray, "_Znam");
  lookup(c.opNewNothrow, "_ZnwmRKSt9nothrow_t");
  lookup(c.opNewArrayNothrow, "_ZnamRKSt9nothrow_t");
  lookup(c.opNewAligned, "_ZnwmSt11align_val_t");
  lookup(c.opNewArrayAligned, "_ZnamSt11align_val_t");
  lookup(c.opNewAlignedNothrow, "_ZnwmSt11align_val_tRKSt9nothrow_t");
  lookup(c.opNewArrayAlignedNothrow, "_ZnamSt11align_val_tRKSt9nothrow_t");
  lookup(c.opDelete, "_ZdlPv");
  lookup(c.opDeleteArray, "_ZdaPv");
  lookup(c.opDeleteSized, "_ZdlPvm");
  lookup(c.opDeleteArraySized, "_ZdaPvm");
  lookup(c.opDeleteAligned, "_ZdlPvSt11align_val_t");
  lookup(c.opDeleteArrayAligned, "_ZdaPvSt11align_val_t");
  lookup(c.opDeleteSizedAligned, "_ZdlPvmSt11align_val_t");
  lookup(c.opDeleteArraySizedAligned, "_ZdaPvmSt11align_val_t");
  lookup(c.opDeleteNothrow, "_ZdlPvRKSt9nothrow_t");
  lookup(c.opDeleteArrayNothrow, "_ZdaPvRKSt9nothrow_t");
  lookup(c.opDeleteAlignedNothrow, "_ZdlPvSt11align_val_tRKSt9nothrow_t");
  lookup(c.opDeleteArrayAlignedNothrow, "_ZdaPvSt11align_val_tRKSt9nothrow_t");
  // Publish the pointer that gates the others last.
  void* (*opNew)(std::size_t) = c.opNew;
  c.opNew = nullptr;
  g_realCxx = c;
  std::atomic_thread_fence(std::memory_order_release);
  g_realCxx.opNew = opNew;
}

}  // namespace memprof::preload
