// SPDX-License-Identifier: MIT
/// @brief Shared prologue of every hook: resolve, bootstrap, decide whether to record.
#pragma once

#include "bootstrap_arena.h"
#include "lifecycle.h"
#include "real_functions.h"
#include "recorder.h"
#include "thread_state.h"

#define MEMPROF_EXPORT extern "C" __attribute__((visibility("default")))
#define MEMPROF_LIKELY(x) __builtin_expect(!!(x), 1)
#define MEMPROF_UNLIKELY(x) __builtin_expect(!!(x), 0)

namespace memprof::preload {

/// Whether this call is the program's own (outermost) and recording is on.
inline bool shouldRecord() noexcept {
  if (t_inHook != 0) return false;
  if (MEMPROF_LIKELY(g_recording.load(std::memory_order_relaxed))) return true;
  return lazyInitAndCheck();
}

}  // namespace memprof::preload
