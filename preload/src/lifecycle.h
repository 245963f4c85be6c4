// SPDX-License-Identifier: MIT
/// @brief Start-up, fork, exec, exit and fatal-signal handling of the recorder.
///
/// Start-up is two-stage: the first intercepted call initialises what recording needs (clock,
/// config, registry) so allocations made before our constructor are not missed; the
/// constructor then starts the writer and installs the exit/fork/signal handlers.
/// Thread-safety: init is guarded by an atomic state machine.
#pragma once

namespace memprof::preload {

/// Called by hooks while not recording: performs stage-1 init once. Returns whether the
/// caller should record this call.
bool lazyInitAndCheck() noexcept;

/// _exit/_Exit: record the status and write out everything before the process disappears.
void onImmediateExit(int status) noexcept;

/// Before an exec*: flush; the new image starts its own log. Safe if exec then fails.
void beforeExec() noexcept;

/// After dlclose: the module set shrank; stacks must not reuse cached edges.
void afterDlclose() noexcept;

}  // namespace memprof::preload
