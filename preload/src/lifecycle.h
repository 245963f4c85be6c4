// SPDX-License-Identifier: MIT
/// @brief Start-up, fork, exec, exit and fatal-signal handling of the recorder.
///
/// Start-up is two-stage: the first intercepted call initialises what recording needs (clock,
/// config, registry) so allocations made before our constructor are not missed; the
/// constructor then starts the writer and installs the exit/fork/signal handlers.
/// Thread-safety: init is guarded by an atomic state machine.
#pragma once

#include <signal.h>

namespace memprof::preload {

/// Called by hooks while not recording: performs stage-1 init once. Returns whether the
/// caller should record this call.
bool lazyInitAndCheck() noexcept;

/// _exit/_Exit: record the status and write out everything before the process disappears.
void onImmediateExit(int status) noexcept;

/// quick_exit: remember the status; the log is finished by our at_quick_exit handler (registered
/// first, so it runs after the program's), since quick_exit reaches _exit inside libc, past our
/// hook.
void noteQuickExit(int status) noexcept;

/// Before an exec*: flush; the new image starts its own log. Safe if exec then fails.
void beforeExec() noexcept;
/// exec returned (it failed): the process goes on; sampling resumes.
void afterFailedExec() noexcept;

/// sigaction() as the program sees it. For a fatal signal whose handler is ours (installed
/// because the program had the default action), setting SIG_DFL again is recorded as the
/// program's view but keeps our handler, so the log is still flushed before the process dies
/// of that signal; queries return the program's view. Any other disposition replaces ours.
int interceptSigaction(int sig, const struct sigaction* act, struct sigaction* old) noexcept;

/// After dlclose: the module set shrank; stacks must not reuse cached edges.
void afterDlclose() noexcept;

}  // namespace memprof::preload
