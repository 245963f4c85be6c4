// SPDX-License-Identifier: MIT
/// @brief Process-level hooks: dlclose (module map), _exit/_Exit/quick_exit (flush) and exec*
/// (flush before the image is replaced; the new program records its own log).
///
/// dlopen is deliberately NOT interposed: glibc resolves a dlopen'ed name against the caller's
/// RUNPATH, found from the return address, and a wrapper would make libmemprof the caller.
/// New modules are instead noticed when an address falls outside every known module.
#include <fcntl.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "interpose_common.h"
#include "own_fd.h"
#include "ring_sampler.h"

using namespace memprof::preload;

MEMPROF_EXPORT int dlclose(void* handle) {
  ensureResolved();
  // The sampler reads modules in place while unwinding: none may be unmapped meanwhile.
  const bool locked = beginModuleUnload();
  const int rc = g_real.dlclose(handle);
  endModuleUnload(locked);
  if (t_inHook == 0) afterDlclose();
  return rc;
}

/// pipe2 made on our behalf: libunwind keeps a pipe (memory validation) open for the life of the
/// process and reads from and writes to its numbers. A program that closes every fd >= 3 and
/// reuses the numbers would have libunwind read from its files or block on its sockets; so a
/// pipe made inside our hooks goes high, out of the program's way. The program's own calls are
/// forwarded as they are.
MEMPROF_EXPORT int pipe2(int fds[2], int flags) {
  const int rc = static_cast<int>(syscall(SYS_pipe2, fds, flags));
  if (rc == 0 && t_inHook != 0) {
    const int cloexec = (flags & O_CLOEXEC) != 0 ? FD_CLOEXEC : 0;
    for (int i = 0; i < 2; ++i) {
      fds[i] = moveFdHigh(fds[i]);  // F_DUPFD_CLOEXEC: put the program's choice back
      if (cloexec == 0) fcntl(fds[i], F_SETFD, 0);
    }
  }
  return rc;
}

MEMPROF_EXPORT __attribute__((noreturn)) void _exit(int status) {
  ensureResolved();
  onImmediateExit(status);
  g_real.exit_(status);
  __builtin_unreachable();
}

MEMPROF_EXPORT __attribute__((noreturn)) void _Exit(int status) {
  ensureResolved();
  onImmediateExit(status);
  g_real.Exit_(status);
  __builtin_unreachable();
}

/// The program's at_quick_exit handlers still run (and may allocate); the log is finished by
/// ours, which runs after theirs (see noteQuickExit).
MEMPROF_EXPORT __attribute__((noreturn)) void quick_exit(int status) {
  ensureResolved();
  noteQuickExit(status);
  if (g_real.quickExit != nullptr) g_real.quickExit(status);
  onImmediateExit(status);
  g_real.exit_(status);
  __builtin_unreachable();
}

MEMPROF_EXPORT int execve(const char* path, char* const argv[], char* const envp[]) {
  ensureResolved();
  beforeExec();
  const int rc = g_real.execve(path, argv, envp);
  afterFailedExec();
  return rc;
}

MEMPROF_EXPORT int execv(const char* path, char* const argv[]) {
  ensureResolved();
  beforeExec();
  const int rc = g_real.execv(path, argv);
  afterFailedExec();
  return rc;
}

MEMPROF_EXPORT int execvp(const char* file, char* const argv[]) {
  ensureResolved();
  beforeExec();
  const int rc = g_real.execvp(file, argv);
  afterFailedExec();
  return rc;
}

MEMPROF_EXPORT int execvpe(const char* file, char* const argv[], char* const envp[]) {
  ensureResolved();
  beforeExec();
  const int rc = g_real.execvpe(file, argv, envp);
  afterFailedExec();
  return rc;
}

MEMPROF_EXPORT int fexecve(int fd, char* const argv[], char* const envp[]) {
  ensureResolved();
  beforeExec();
  const int rc = g_real.fexecve(fd, argv, envp);
  afterFailedExec();
  return rc;
}

namespace {

/// Collects execl-style variadic arguments into an argv array on the stack.
template <typename Exec>
int execlCommon(const char* arg0, va_list ap, bool withEnv, Exec exec) {
  va_list count;
  va_copy(count, ap);
  std::size_t argc = 1;
  while (va_arg(count, char*) != nullptr) ++argc;
  va_end(count);
  char** argv = static_cast<char**>(__builtin_alloca((argc + 1) * sizeof(char*)));
  argv[0] = const_cast<char*>(arg0);
  for (std::size_t i = 1; i <= argc; ++i) argv[i] = va_arg(ap, char*);
  char* const* envp = withEnv ? va_arg(ap, char* const*) : environ;
  return exec(argv, envp);
}

}  // namespace

MEMPROF_EXPORT int execl(const char* path, const char* arg, ...) {
  va_list ap;
  va_start(ap, arg);
  const int rc =
      execlCommon(arg, ap, false, [&](char** argv, char* const*) { return execv(path, argv); });
  va_end(ap);
  return rc;
}

MEMPROF_EXPORT int execlp(const char* file, const char* arg, ...) {
  va_list ap;
  va_start(ap, arg);
  const int rc =
      execlCommon(arg, ap, false, [&](char** argv, char* const*) { return execvp(file, argv); });
  va_end(ap);
  return rc;
}

MEMPROF_EXPORT int execle(const char* path, const char* arg, ...) {
  va_list ap;
  va_start(ap, arg);
  const int rc = execlCommon(
      arg, ap, true, [&](char** argv, char* const* envp) { return execve(path, argv, envp); });
  va_end(ap);
  return rc;
}
