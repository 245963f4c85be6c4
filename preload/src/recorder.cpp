// SPDX-License-Identifier: MIT
/// @brief Encoding of Alloc/Free/StackNode records on the hot path.
#include "recorder.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "log_sink.h"
#include "memprof/format/encoder.h"
#include "module_map.h"
#include "stack_capture.h"
#include "thread_state.h"

namespace memprof::preload {

constinit std::atomic<bool> g_recording{false};
constinit std::atomic<int> g_writerWake{0};

namespace {

std::atomic<std::uint64_t> s_sequence{0};

void pushTo(ThreadState* s, const std::uint8_t* bytes, std::size_t size) {
  if (!s->ring.push(bytes, size)) {
    // Full: drain our own ring into the file ourselves rather than wait for the writer, so a
    // stalled writer can never block the program.
    drainLock();
    drainRingLocked(s);
    drainUnlock();
    if (!s->ring.push(bytes, size)) return;  // log closed or unwritable: drop
  }
  if (s->ring.used() > s->ring.capacity() / 4 &&
      !s->wakeRequested.exchange(true, std::memory_order_relaxed)) {
    wakeWriter();
  }
}

void onNewNode(void* context, std::uint32_t id, std::uint32_t parent, std::uintptr_t ip) {
  auto* s = static_cast<ThreadState*>(context);
  // An address outside every known module means something was loaded since the last snapshot
  // (dlopen, or glibc loading an NSS module behind our back): refresh before naming it.
  // (Not from the sampling signal handler: refreshing takes a lock and walks the loader's
  // list. The analyzer then finds the module in a later generation.)
  const std::uint32_t generation =
      moduleCovers(ip) || t_inSignal ? moduleGeneration() : refreshModules(false);
  // Packed against the stream's previous node (records.h): ids rise, a stack's new nodes come
  // root side first, and a few thousand return addresses make up millions of nodes.
  const std::uint32_t slot = format::nodeIpSlot(ip);
  const bool cached = s->nodeIps[slot] == ip;
  std::uint8_t buf[48];
  format::Encoder e(buf, sizeof buf);
  e.type(cached ? format::RecordType::StackNodeCachedIp : format::RecordType::StackNodeNewIp)
      .varint(id - s->lastNodeId - 1)
      .varint(id - parent)
      .varint(cached ? slot : ip)
      .zigzag(static_cast<std::int64_t>(generation) - static_cast<std::int64_t>(s->lastGeneration));
  s->nodeIps[slot] = ip;
  s->lastNodeId = id;
  s->lastGeneration = generation;
  pushTo(s, e.data(), e.size());
}

/// Heap event times, rounded down to MEMPROF_TIME_RESOLUTION_US (64 us by default). At
/// microsecond resolution the time delta of back-to-back events is a random 0 or 1: about a
/// bit per event that compresses to nothing, and a quarter of a log's bytes on real programs.
inline std::uint64_t eventTimeUs() { return nowUs() & g_config.timeResolutionMask; }

/// Home slot of a pointer in a direct-mapped table of @p Slots entries: the top bits of a
/// multiplicative hash (blocks are 16-byte aligned, so the low 4 bits say nothing).
template <std::size_t Slots>
inline std::size_t slotOf(std::uint64_t ptr) {
  static_assert((Slots & (Slots - 1)) == 0 && Slots > 1);
  constexpr int kShift = 64 - __builtin_ctzll(Slots);
  return static_cast<std::size_t>((ptr >> 4) * 0x9E3779B97F4A7C15ULL >> kShift);
}

inline std::size_t recentSlot(std::uint64_t ptr) { return slotOf<kRecentSlots>(ptr); }
inline std::size_t freedSlotOf(std::uint64_t ptr) { return slotOf<kFreedSlots>(ptr); }

}  // namespace

std::uint32_t internStack(ThreadState* s, const std::uintptr_t* ips, std::size_t depth) noexcept {
  // Only stack interning needs the dlclose epoch: a cached edge may name code that is gone.
  const std::uint32_t epoch = g_cacheEpoch.load(std::memory_order_acquire);
  if (s->cacheEpoch != epoch) {
    s->trie.clear();
    s->cacheEpoch = epoch;
  }
  return s->trie.intern(ips, depth, onNewNode, s);
}

std::uint64_t takeSequence() noexcept { return s_sequence.fetch_add(1, std::memory_order_relaxed); }
std::uint64_t sequenceCount() noexcept { return s_sequence.load(std::memory_order_relaxed); }
void resetSequenceAfterFork() noexcept { s_sequence.store(0, std::memory_order_relaxed); }

void wakeWriter() noexcept {
  g_writerWake.store(1, std::memory_order_release);
  syscall(SYS_futex, reinterpret_cast<int*>(&g_writerWake), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr,
          0);
}

void pushRecord(const std::uint8_t* bytes, std::size_t size) noexcept {
  ThreadState* s = currentThreadState();
  if (s != nullptr) pushTo(s, bytes, size);
}

void pushRecordTo(ThreadState* state, const std::uint8_t* bytes, std::size_t size) noexcept {
  pushTo(state, bytes, size);
}

void recordAlloc(format::AllocFn fn, const void* ptr, std::size_t size) noexcept {
  ThreadState* s = currentThreadState();
  if (s == nullptr) return;
  std::uintptr_t ips[kMaxFrames];
  const std::size_t depth = captureStack(s->fastUnwinder, ips, kMaxFrames);
  const std::uint32_t stack = internStack(s, ips, depth);
  const std::uint64_t seq = takeSequence();
  const std::uint64_t t = eventTimeUs();
  const auto p = reinterpret_cast<std::uint64_t>(ptr);
  const ThreadState::RecentSlot& freedSlot = s->freed[freedSlotOf(p)];
  const std::uint64_t reuse = s->freeCount - freedSlot.allocNumber;
  const bool reused = freedSlot.ptr == p && reuse >= 1 && reuse <= format::kFreedRing;
  std::uint8_t buf[64];
  format::Encoder e(buf, sizeof buf);
  e.u8(static_cast<std::uint8_t>((reused ? format::kAllocReuseBase : format::kAllocBase) +
                                 static_cast<std::uint8_t>(fn)))
      .varint(seq - s->lastSeq)
      .varint(t >= s->lastTimeUs ? t - s->lastTimeUs : 0)
      .varint(size);
  if (reused) {
    e.varint(reuse);
  } else {
    e.zigzag(static_cast<std::int64_t>(p - s->lastPtr));
    s->lastPtr = p;
  }
  e.zigzag(static_cast<std::int64_t>(stack) - static_cast<std::int64_t>(s->lastStack));
  s->lastSeq = seq;
  if (t > s->lastTimeUs) s->lastTimeUs = t;
  s->lastStack = stack;
  s->recent[recentSlot(p)] = ThreadState::RecentSlot{p, s->allocCount};
  ++s->allocCount;
  pushTo(s, e.data(), e.size());
}

void recordFree(format::AllocFn fn, const void* ptr, std::uint64_t seq) noexcept {
  ThreadState* s = currentThreadState();
  if (s == nullptr) return;
  const std::uint64_t t = eventTimeUs();
  const auto p = reinterpret_cast<std::uint64_t>(ptr);
  std::uint8_t buf[48];
  format::Encoder e(buf, sizeof buf);
  ThreadState::RecentSlot& slot = s->recent[recentSlot(p)];
  const std::uint64_t distance = s->allocCount - slot.allocNumber;
  const bool recent = slot.ptr == p && distance >= 1 && distance <= format::kRecentRing;
  e.u8(static_cast<std::uint8_t>((recent ? format::kFreeRecentBase : format::kFreeBase) +
                                 static_cast<std::uint8_t>(fn)))
      .varint(seq - s->lastSeq)
      .varint(t >= s->lastTimeUs ? t - s->lastTimeUs : 0);
  if (recent) {
    e.varint(distance);
    slot.ptr = 0;
  } else {
    e.zigzag(static_cast<std::int64_t>(p - s->lastPtr));
    s->lastPtr = p;
  }
  s->lastSeq = seq;
  if (t > s->lastTimeUs) s->lastTimeUs = t;
  s->freed[freedSlotOf(p)] = ThreadState::RecentSlot{p, s->freeCount};
  ++s->freeCount;
  pushTo(s, e.data(), e.size());
}

void recordSequenceGap(std::uint64_t seq) noexcept {
  ThreadState* s = currentThreadState();
  if (s == nullptr) return;
  std::uint8_t buf[16];
  format::Encoder e(buf, sizeof buf);
  e.type(format::RecordType::SeqGap).varint(seq - s->lastSeq);
  s->lastSeq = seq;
  pushTo(s, e.data(), e.size());
}

}  // namespace memprof::preload
