// SPDX-License-Identifier: MIT
/// @brief libunwind-based stack capture.
#define UNW_LOCAL_ONLY
#include "stack_capture.h"

#include <libunwind.h>

#include "module_map.h"

namespace memprof::preload {

void initStackCapture() noexcept {
  unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD);
}

void flushStackCaptureCache() noexcept { unw_flush_cache(unw_local_addr_space, 0, 0); }

std::size_t captureStack(std::uintptr_t* ips, std::size_t max) noexcept {
  void* raw[kMaxFrames + 16];
  const std::size_t want = max + 16 < kMaxFrames + 16 ? max + 16 : kMaxFrames + 16;
  const int n = unw_backtrace(raw, static_cast<int>(want));
  std::size_t first = 0;
  while (first < static_cast<std::size_t>(n > 0 ? n : 0) &&
         isSelfAddress(reinterpret_cast<std::uintptr_t>(raw[first]))) {
    ++first;
  }
  std::size_t depth = 0;
  for (std::size_t i = first; i < static_cast<std::size_t>(n) && depth < max; ++i) {
    ips[depth++] = reinterpret_cast<std::uintptr_t>(raw[i]);
  }
  return depth;
}

}  // namespace memprof::preload
