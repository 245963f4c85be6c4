// SPDX-License-Identifier: MIT
/// @brief Pointers to the functions our hooks forward to (the next definition after ours).
///
/// Resolved once with dlsym(RTLD_NEXT). dlsym allocates, so resolution runs under a flag that
/// routes those nested calls to the BootstrapArena. C++ operators are optional: a C program
/// has no libstdc++ until one is dlopen'ed, so they are (re)looked up lazily on first use.
/// Thread-safety: resolution is idempotent and may race harmlessly (same values stored).
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <cstddef>
#include <new>

namespace memprof::preload {

struct RealFunctions {
  void* (*malloc)(std::size_t);
  void (*free)(void*);
  void* (*calloc)(std::size_t, std::size_t);
  void* (*realloc)(void*, std::size_t);
  void* (*reallocarray)(void*, std::size_t, std::size_t);
  int (*posix_memalign)(void**, std::size_t, std::size_t);
  void* (*aligned_alloc)(std::size_t, std::size_t);
  void* (*memalign)(std::size_t, std::size_t);
  void* (*valloc)(std::size_t);
  void* (*pvalloc)(std::size_t);
  std::size_t (*malloc_usable_size)(void*);
  int (*dlclose)(void*);
  void (*exit_)(int);  // _exit
  void (*Exit_)(int);  // _Exit
  void (*quickExit)(int);
  int (*execve)(const char*, char* const[], char* const[]);
  int (*execv)(const char*, char* const[]);
  int (*execvp)(const char*, char* const[]);
  int (*execvpe)(const char*, char* const[], char* const[]);
  int (*fexecve)(int, char* const[], char* const[]);
  int (*sigaction)(int, const struct sigaction*, struct sigaction*);
  int (*sigprocmask)(int, const sigset_t*, sigset_t*);
};

/// Optional C++ operators from libstdc++ (or whichever runtime precedes us).
struct RealCxxOperators {
  void* (*opNew)(std::size_t);
  void* (*opNewArray)(std::size_t);
  void* (*opNewNothrow)(std::size_t, const std::nothrow_t&);
  void* (*opNewArrayNothrow)(std::size_t, const std::nothrow_t&);
  void* (*opNewAligned)(std::size_t, std::align_val_t);
  void* (*opNewArrayAligned)(std::size_t, std::align_val_t);
  void* (*opNewAlignedNothrow)(std::size_t, std::align_val_t, const std::nothrow_t&);
  void* (*opNewArrayAlignedNothrow)(std::size_t, std::align_val_t, const std::nothrow_t&);
  void (*opDelete)(void*);
  void (*opDeleteArray)(void*);
  void (*opDeleteSized)(void*, std::size_t);
  void (*opDeleteArraySized)(void*, std::size_t);
  void (*opDeleteAligned)(void*, std::align_val_t);
  void (*opDeleteArrayAligned)(void*, std::align_val_t);
  void (*opDeleteSizedAligned)(void*, std::size_t, std::align_val_t);
  void (*opDeleteArraySizedAligned)(void*, std::size_t, std::align_val_t);
  void (*opDeleteNothrow)(void*, const std::nothrow_t&);
  void (*opDeleteArrayNothrow)(void*, const std::nothrow_t&);
  void (*opDeleteAlignedNothrow)(void*, std::align_val_t, const std::nothrow_t&);
  void (*opDeleteArrayAlignedNothrow)(void*, std::align_val_t, const std::nothrow_t&);
};

extern RealFunctions g_real;
extern RealCxxOperators g_realCxx;

/// True once g_real holds every required pointer. While resolution is in progress (dlsym may
/// call back into malloc) it returns false and the caller serves the request from the arena.
bool ensureResolved() noexcept;

/// Looks up the C++ operators (again); cheap after the first success.
void resolveCxxOperators() noexcept;

}  // namespace memprof::preload
