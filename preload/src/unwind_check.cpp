// SPDX-License-Identifier: MIT
/// @brief Counting and reporting of the unwinder comparison (see unwind_check.h).
#include "unwind_check.h"

#include <dlfcn.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

#include "fast_unwinder.h"

namespace memprof::preload {

namespace {

constexpr std::size_t kKeptMismatches = 3;
constexpr std::size_t kKeptFrames = 24;
constexpr std::size_t kKeptStops = 8;

struct KeptMismatch {
  std::size_t libunwindDepth;
  int fastDepth;
  std::uintptr_t libunwind[kKeptFrames];
  std::uintptr_t fast[kKeptFrames];
  std::atomic<bool> complete;
};

constinit std::atomic<std::uint64_t> s_captures{0};
constinit std::atomic<std::uint64_t> s_compared{0};
constinit std::atomic<std::uint64_t> s_mismatches{0};
constinit std::atomic<std::uint64_t> s_stops[4] = {};  // by -FastUnwindStop
constinit std::atomic<std::uint64_t> s_derivations{0};
constinit std::atomic<std::uint64_t> s_walked{0};
constinit std::atomic<std::uint64_t> s_reused{0};
constinit KeptMismatch s_kept[kKeptMismatches] = {};
constinit std::atomic<std::uintptr_t> s_stopPcs[kKeptStops] = {};

void keepStopPc(std::uintptr_t pc) {
  for (auto& slot : s_stopPcs) {
    std::uintptr_t seen = slot.load(std::memory_order_relaxed);
    if (seen == pc) return;
    if (seen == 0 && slot.compare_exchange_strong(seen, pc)) return;
    if (seen == pc) return;
  }
}

/// A small append-only text buffer for one stderr write (no stdio, no malloc).
class Line {
 public:
  Line& text(const char* s) {
    while (*s != '\0' && length_ < sizeof buffer_) buffer_[length_++] = *s++;
    return *this;
  }
  Line& number(std::uint64_t v) {
    char digits[24];
    int n = 0;
    do {
      digits[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    while (n > 0 && length_ < sizeof buffer_) buffer_[length_++] = digits[--n];
    return *this;
  }
  Line& hex(std::uint64_t v) {
    text("0x");
    char digits[20];
    int n = 0;
    do {
      digits[n++] = "0123456789abcdef"[v & 15];
      v >>= 4;
    } while (v != 0);
    while (n > 0 && length_ < sizeof buffer_) buffer_[length_++] = digits[--n];
    return *this;
  }
  void write() {
    text("\n");
    (void)!::write(2, buffer_, length_);
    length_ = 0;
  }

 private:
  char buffer_[1024];
  std::size_t length_ = 0;
};

void writeFrames(Line& line, const std::uintptr_t* frames, std::size_t depth) {
  for (std::size_t i = 0; i < depth && i < kKeptFrames; ++i) line.text(" ").hex(frames[i]);
  if (depth > kKeptFrames) line.text(" ...");
}

}  // namespace

void noteUnwindCheck(const std::uintptr_t* libunwindFrames, std::size_t libunwindDepth,
                     const std::uintptr_t* fastFrames, int fastDepth,
                     std::uintptr_t stopPc) noexcept {
  s_captures.fetch_add(1, std::memory_order_relaxed);
  if (fastDepth < 0) {
    const int reason = -fastDepth;
    if (reason >= 1 && reason <= 3) s_stops[reason].fetch_add(1, std::memory_order_relaxed);
    if (fastDepth == kFastUnwindUnknownRule) keepStopPc(stopPc);
    return;
  }
  s_compared.fetch_add(1, std::memory_order_relaxed);
  const auto depth = static_cast<std::size_t>(fastDepth);
  if (depth == libunwindDepth &&
      std::memcmp(libunwindFrames, fastFrames, depth * sizeof *fastFrames) == 0) {
    return;
  }
  const std::uint64_t index = s_mismatches.fetch_add(1, std::memory_order_relaxed);
  if (index >= kKeptMismatches) return;
  KeptMismatch& kept = s_kept[index];
  kept.libunwindDepth = libunwindDepth;
  kept.fastDepth = fastDepth;
  std::memcpy(
      kept.libunwind, libunwindFrames,
      (libunwindDepth < kKeptFrames ? libunwindDepth : kKeptFrames) * sizeof(std::uintptr_t));
  std::memcpy(kept.fast, fastFrames,
              (depth < kKeptFrames ? depth : kKeptFrames) * sizeof(std::uintptr_t));
  kept.complete.store(true, std::memory_order_release);
}

void noteUnwindWork(std::uint64_t derivations, std::uint64_t walked,
                    std::uint64_t reused) noexcept {
  s_derivations.fetch_add(derivations, std::memory_order_relaxed);
  s_walked.fetch_add(walked, std::memory_order_relaxed);
  s_reused.fetch_add(reused, std::memory_order_relaxed);
}

void reportUnwindCheck() noexcept {
  const std::uint64_t captures = s_captures.load();
  if (captures == 0) return;
  const std::uint64_t mismatches = s_mismatches.load();
  Line line;
  line.text("memprof: unwinder check (pid ")
      .number(static_cast<std::uint64_t>(getpid()))
      .text("): ")
      .number(captures)
      .text(" captures, ")
      .number(s_compared.load())
      .text(" compared, ")
      .number(mismatches)
      .text(" mismatches; fast path gave up on ")
      .number(s_stops[1].load())
      .text(" (unknown rule) + ")
      .number(s_stops[2].load())
      .text(" (left the stack) + ")
      .number(s_stops[3].load())
      .text(" (no stack bounds); ")
      .number(s_derivations.load())
      .text(" rules derived, ")
      .number(s_walked.load())
      .text(" frames walked, ")
      .number(s_reused.load())
      .text(" taken over from the previous walk");
  line.write();
  if (s_stopPcs[0].load() != 0) {
    line.text("memprof: unwinder check: call sites without a fast rule:");
    line.write();
    for (const auto& slot : s_stopPcs) {
      const std::uintptr_t pc = slot.load();
      if (pc == 0) continue;
      line.text("  ").hex(pc);
      Dl_info info;
      if (dladdr(reinterpret_cast<void*>(pc), &info) != 0 && info.dli_fname != nullptr) {
        line.text(" ")
            .text(info.dli_fname)
            .text("+")
            .hex(pc - reinterpret_cast<std::uintptr_t>(info.dli_fbase));
      }
      line.write();
    }
  }
  for (std::size_t i = 0; i < kKeptMismatches && i < mismatches; ++i) {
    const KeptMismatch& kept = s_kept[i];
    if (!kept.complete.load(std::memory_order_acquire)) continue;
    line.text("memprof: unwinder mismatch ")
        .number(i + 1)
        .text(": libunwind (")
        .number(kept.libunwindDepth)
        .text("):");
    writeFrames(line, kept.libunwind, kept.libunwindDepth);
    line.write();
    line.text("memprof: unwinder mismatch ")
        .number(i + 1)
        .text(": fast (")
        .number(static_cast<std::uint64_t>(kept.fastDepth))
        .text("):");
    writeFrames(line, kept.fast, static_cast<std::size_t>(kept.fastDepth));
    line.write();
  }
}

void resetUnwindCheckAfterFork() noexcept {
  s_captures.store(0);
  s_compared.store(0);
  s_mismatches.store(0);
  for (auto& stop : s_stops) stop.store(0);
  s_derivations.store(0);
  s_walked.store(0);
  s_reused.store(0);
  for (auto& kept : s_kept) kept.complete.store(false);
  for (auto& pc : s_stopPcs) pc.store(0);
}

}  // namespace memprof::preload
