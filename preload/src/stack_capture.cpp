// SPDX-License-Identifier: MIT
/// @brief Stack capture: the fast unwinder with libunwind as its fall back (see stack_capture.h).
#define UNW_LOCAL_ONLY
#include "stack_capture.h"

#include <libunwind.h>

#include "config.h"
#include "fast_unwinder.h"
#include "loader_lock_guard.h"
#include "module_map.h"
#include "unwind_check.h"

namespace memprof::preload {

namespace {

constexpr std::size_t kRawFrames = kMaxFrames + 16;

/// Copies @p raw[0, n) minus the leading frames inside libmemprof into @p ips.
std::size_t dropSelfFrames(const std::uintptr_t* raw, int n, std::uintptr_t* ips, std::size_t max) {
  const std::size_t count = n > 0 ? static_cast<std::size_t>(n) : 0;
  std::size_t first = 0;
  while (first < count && isSelfAddress(raw[first])) ++first;
  std::size_t depth = 0;
  for (std::size_t i = first; i < count && depth < max; ++i) ips[depth++] = raw[i];
  return depth;
}

int libunwindBacktrace(std::uintptr_t* raw, int want) {
  static_assert(sizeof(void*) == sizeof(std::uintptr_t));
  const LoaderScope loader;  // libunwind finds unwind tables through dl_iterate_phdr
  if (!loader) return 0;     // a fork is being prepared: no stack this once
  return unw_backtrace(reinterpret_cast<void**>(raw), want);
}

FastUnwinder* ensureUnwinder(FastUnwinder*& unwinder) {
  if (unwinder == nullptr) unwinder = FastUnwinder::create();
  return unwinder;
}

/// MEMPROF_UNWINDER=verify: libunwind's answer is recorded; the fast one is compared with it.
std::size_t captureAndCompare(FastUnwinder*& unwinder, std::uintptr_t* ips, std::size_t max,
                              int want) {
  std::uintptr_t raw[kRawFrames];
  const std::size_t depth = dropSelfFrames(raw, libunwindBacktrace(raw, want), ips, max);
  if (ensureUnwinder(unwinder) == nullptr) return depth;
  std::uintptr_t fastRaw[kRawFrames];
  std::uintptr_t fastIps[kMaxFrames];
  std::uintptr_t stopPc = 0;
  const std::uint64_t derivedBefore = unwinder->derivations();
  const std::uint64_t walkedBefore = unwinder->framesWalked();
  const std::uint64_t reusedBefore = unwinder->framesReused();
  const int fast = unwinder->backtrace(fastRaw, want, &stopPc);
  noteUnwindWork(unwinder->derivations() - derivedBefore, unwinder->framesWalked() - walkedBefore,
                 unwinder->framesReused() - reusedBefore);
  if (fast < 0) {
    noteUnwindCheck(ips, depth, nullptr, fast, stopPc);
  } else {
    const std::size_t fastDepth = dropSelfFrames(fastRaw, fast, fastIps, max);
    noteUnwindCheck(ips, depth, fastIps, static_cast<int>(fastDepth), 0);
  }
  return depth;
}

}  // namespace

void initStackCapture() noexcept {
  unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD);
}

void flushStackCaptureCache() noexcept {
  unw_flush_cache(unw_local_addr_space, 0, 0);
  FrameRuleCache::flushAll();
}

std::size_t captureStack(FastUnwinder*& unwinder, std::uintptr_t* ips, std::size_t max) noexcept {
  // Up to 16 more frames than wanted: the leading ones are memprof's own hook frames.
  const int want = static_cast<int>(max + 16 < kRawFrames ? max + 16 : kRawFrames);
  switch (g_config.unwinder) {
    case UnwinderMode::Fast:
      if (ensureUnwinder(unwinder) != nullptr) {
        std::uintptr_t raw[kRawFrames];
        const int n = unwinder->backtrace(raw, want);
        if (n >= 0) return dropSelfFrames(raw, n, ips, max);
      }
      break;
    case UnwinderMode::Verify:
      return captureAndCompare(unwinder, ips, max, want);
    case UnwinderMode::Libunwind:
      break;
  }
  std::uintptr_t raw[kRawFrames];
  return dropSelfFrames(raw, libunwindBacktrace(raw, want), ips, max);
}

}  // namespace memprof::preload
