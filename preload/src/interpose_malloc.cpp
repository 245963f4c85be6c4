// SPDX-License-Identifier: MIT
/// @brief The C allocation interface: malloc, calloc, realloc, reallocarray, free and the
/// aligned variants. Each forwards to the real function and records the outermost call.
#include <errno.h>
#include <string.h>

#include <cstddef>
#include <cstdint>

#include "interpose_common.h"

using namespace memprof::preload;
using memprof::format::AllocFn;

MEMPROF_EXPORT void* malloc(std::size_t size) {
  if (MEMPROF_UNLIKELY(g_real.malloc == nullptr) && !ensureResolved()) {
    return BootstrapArena::allocate(size);
  }
  if (!shouldRecord()) return g_real.malloc(size);
  ReentrancyGuard guard;
  void* p = g_real.malloc(size);
  if (p != nullptr) recordAlloc(AllocFn::Malloc, p, size);
  return p;
}

MEMPROF_EXPORT void free(void* p) {
  if (p == nullptr || BootstrapArena::owns(p)) return;
  if (MEMPROF_UNLIKELY(g_real.free == nullptr) && !ensureResolved()) return;
  if (!shouldRecord()) return g_real.free(p);
  ReentrancyGuard guard;
  // Record before the real free: once freed, another thread may get this address back.
  recordFree(AllocFn::Free, p, takeSequence());
  g_real.free(p);
}

MEMPROF_EXPORT void* calloc(std::size_t n, std::size_t size) {
  std::size_t total = 0;
  if (MEMPROF_UNLIKELY(g_real.calloc == nullptr) && !ensureResolved()) {
    if (__builtin_mul_overflow(n, size, &total)) return nullptr;
    return BootstrapArena::allocate(total);  // static storage: already zero
  }
  if (!shouldRecord()) return g_real.calloc(n, size);
  ReentrancyGuard guard;
  void* p = g_real.calloc(n, size);
  if (p != nullptr) recordAlloc(AllocFn::Calloc, p, n * size);
  return p;
}

namespace {

void* reallocFromArena(void* old, std::size_t size) {
  void* fresh = malloc(size);
  if (fresh != nullptr) {
    const std::size_t oldSize = BootstrapArena::sizeOf(old);
    memcpy(fresh, old, oldSize < size ? oldSize : size);
  }
  return fresh;
}

/// realloc semantics per the counting rules: realloc(NULL,n) allocates, realloc(p,0) frees,
/// otherwise one free of p and one allocation of n; a failed call counts as nothing.
template <typename Call>
void* recordedRealloc(AllocFn fn, void* p, std::size_t size, bool sizeOverflowed, Call call) {
  ReentrancyGuard guard;
  if (p == nullptr) {
    void* q = call();
    if (q != nullptr) recordAlloc(fn, q, size);
    return q;
  }
  const std::uint64_t freeSeq = takeSequence();
  void* q = call();
  if (size == 0 && !sizeOverflowed) {
    recordFree(fn, p, freeSeq);  // glibc frees p and returns NULL
    if (q != nullptr) recordAlloc(fn, q, 0);
  } else if (q != nullptr) {
    recordFree(fn, p, freeSeq);
    recordAlloc(fn, q, size);
  } else {
    recordSequenceGap(freeSeq);
  }
  return q;
}

}  // namespace

MEMPROF_EXPORT void* realloc(void* p, std::size_t size) {
  if (BootstrapArena::owns(p)) return reallocFromArena(p, size);
  if (MEMPROF_UNLIKELY(g_real.realloc == nullptr) && !ensureResolved()) {
    return p == nullptr ? BootstrapArena::allocate(size) : nullptr;
  }
  if (!shouldRecord()) return g_real.realloc(p, size);
  return recordedRealloc(AllocFn::Realloc, p, size, false, [&] { return g_real.realloc(p, size); });
}

MEMPROF_EXPORT void* reallocarray(void* p, std::size_t n, std::size_t size) {
  std::size_t total = 0;
  const bool overflow = __builtin_mul_overflow(n, size, &total);
  if (BootstrapArena::owns(p)) {
    if (overflow) {
      errno = ENOMEM;
      return nullptr;
    }
    return reallocFromArena(p, total);
  }
  if (MEMPROF_UNLIKELY(g_real.realloc == nullptr) && !ensureResolved()) return nullptr;
  if (g_real.reallocarray == nullptr) {  // very old libc: emulate
    if (overflow) {
      errno = ENOMEM;
      return nullptr;
    }
    return realloc(p, total);
  }
  if (!shouldRecord()) return g_real.reallocarray(p, n, size);
  return recordedRealloc(AllocFn::ReallocArray, p, total, overflow,
                         [&] { return g_real.reallocarray(p, n, size); });
}

MEMPROF_EXPORT int posix_memalign(void** out, std::size_t alignment, std::size_t size) {
  if (MEMPROF_UNLIKELY(g_real.posix_memalign == nullptr) && !ensureResolved()) {
    *out = BootstrapArena::allocate(size, alignment);
    return 0;
  }
  if (!shouldRecord()) return g_real.posix_memalign(out, alignment, size);
  ReentrancyGuard guard;
  const int rc = g_real.posix_memalign(out, alignment, size);
  if (rc == 0 && *out != nullptr) recordAlloc(AllocFn::PosixMemalign, *out, size);
  return rc;
}

#define MEMPROF_ALIGNED_HOOK(name, FN, params, args, size)               \
  MEMPROF_EXPORT void* name params {                                     \
    if (MEMPROF_UNLIKELY(g_real.name == nullptr) && !ensureResolved()) { \
      return BootstrapArena::allocate(size, 4096);                       \
    }                                                                    \
    if (g_real.name == nullptr) return nullptr;                          \
    if (!shouldRecord()) return g_real.name args;                        \
    ReentrancyGuard guard;                                               \
    void* p = g_real.name args;                                          \
    if (p != nullptr) recordAlloc(AllocFn::FN, p, size);                 \
    return p;                                                            \
  }

MEMPROF_ALIGNED_HOOK(aligned_alloc, AlignedAlloc, (std::size_t alignment, std::size_t size),
                     (alignment, size), size)
MEMPROF_ALIGNED_HOOK(memalign, Memalign, (std::size_t alignment, std::size_t size),
                     (alignment, size), size)
MEMPROF_ALIGNED_HOOK(valloc, Valloc, (std::size_t size), (size), size)
MEMPROF_ALIGNED_HOOK(pvalloc, Pvalloc, (std::size_t size), (size), size)

MEMPROF_EXPORT std::size_t malloc_usable_size(void* p) {
  if (p == nullptr) return 0;
  if (BootstrapArena::owns(p)) return BootstrapArena::sizeOf(p);
  if (MEMPROF_UNLIKELY(g_real.malloc_usable_size == nullptr) && !ensureResolved()) return 0;
  return g_real.malloc_usable_size != nullptr ? g_real.malloc_usable_size(p) : 0;
}
