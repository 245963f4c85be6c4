// SPDX-License-Identifier: MIT
/// @brief Per-thread recorder state: the event ring, delta-encoding state and stack trie.
///
/// Reached through one initial-exec TLS pointer (no allocation on first access, unlike
/// non-trivial thread_local objects). States live in internal memory and are kept in a
/// lock-free registry the writer walks; a state whose thread exited is drained and reused.
/// Thread-safety: a state is written only by its thread; the registry is lock-free.
#pragma once

#include <sys/types.h>
#include <time.h>

#include <atomic>
#include <cstdint>

#include "byte_ring.h"
#include "perf_sample_ring.h"
#include "stack_trie.h"

#define MEMPROF_TLS __attribute__((tls_model("initial-exec")))

namespace memprof::preload {

class FastUnwinder;

inline constexpr std::size_t kRecentSlots = 32768;
inline constexpr std::size_t kFreedSlots = 8192;

enum class ThreadStatus : std::uint32_t { Active = 0, Exited = 1, Free = 2 };

struct ThreadState {
  ByteRing ring;
  StackTrie trie;
  std::atomic<ThreadStatus> status{ThreadStatus::Active};
  std::atomic<ThreadState*> next{nullptr};
  std::uint32_t streamId = 0;
  std::uint32_t cacheEpoch = 0;
  std::uint64_t lastSeq = 0;
  std::uint64_t lastTimeUs = 0;
  std::uint64_t lastPtr = 0;
  std::uint64_t lastStack = 0;
  std::uint64_t lastSampleTimeUs = 0;
  std::uint64_t allocCount = 0;  ///< Alloc records in this stream (index of the recent ring)
  /// Direct-mapped pointer -> Alloc number, so a free of a recent block is written as a small
  /// distance (FreeRecent) instead of a pointer. Lossy by design: a miss writes the pointer.
  struct RecentSlot {
    std::uint64_t ptr;
    std::uint64_t allocNumber;
  };
  RecentSlot* recent = nullptr;
  std::uint64_t freeCount = 0;  ///< Free/FreeRecent records in this stream
  /// Direct-mapped pointer -> free number, so an allocation that reuses a just-freed address is
  /// written as a small distance (AllocReuse).
  RecentSlot* freed = nullptr;
  /// Packed stack node state (records.h: StackNodeCachedIp): the stream's previous node id and
  /// module generation, and its node-ip cache (format::kNodeIpSlots entries).
  std::uint32_t lastNodeId = 0;
  std::uint32_t lastGeneration = 0;
  std::uint64_t* nodeIps = nullptr;
  /// The fast unwinder: rules by call site and the last walk (created on the first capture).
  /// Rules describe the loaded code, not the thread, so a reused state keeps them; the last
  /// walk is only taken over on the same stack mapping.
  FastUnwinder* fastUnwinder = nullptr;
  /// The recent/freed tables and the node-ip cache are still as mmap gave them (zero): a new
  /// thread's stream need not clear 670 KB that nobody wrote. Reused states must.
  bool tablesClean = true;
  int perfFd = -1;           ///< this thread's sampling counter (perf_event), or -1
  std::uint64_t perfId = 0;  ///< its kernel id: is perfFd still ours (see ownSamplingFd)
  timer_t samplingTimer{};   ///< POSIX timer fallback
  bool hasSamplingTimer = false;
  std::uint64_t samplingCpuStartNs = 0;  ///< thread CPU time when its POSIX timer was armed
  /// Ring-buffer sampling (perf_sample_ring.h): the ring is read, and finally closed, by
  /// whoever holds the sampler's unwind lock; the thread only stops it when it exits.
  PerfRing perfRing;
  std::atomic<bool> perfRingStopped{false};
  std::uint64_t perfRingCpuNs = 0;    ///< task-clock at the stop, for the achieved rate
  std::uint64_t perfRingSamples = 0;  ///< samples read from the ring so far
  pid_t tid = 0;
  std::atomic<bool> wakeRequested{false};
  std::uint8_t* ringMemory = nullptr;
};

/// (__thread, not thread_local: plain TLS, no init wrapper call on every access.)
/// Reentrancy guard depth: non-zero while this thread is inside a hook, the writer, or a fork.
extern __thread int t_inHook MEMPROF_TLS;
extern __thread ThreadState* t_state MEMPROF_TLS;
/// True while the sampling signal handler runs on this thread (no locks, no dl_iterate_phdr).
extern __thread bool t_inSignal MEMPROF_TLS;
/// True while this thread unwinds sampled stack copies: sigprocmask calls (libunwind's) are
/// skipped (see interpose_signal.cpp).
extern __thread bool t_quietSigmask MEMPROF_TLS;

/// RAII guard: calls made while it lives pass straight through to the real functions.
class ReentrancyGuard {
 public:
  ReentrancyGuard() noexcept { ++t_inHook; }
  ~ReentrancyGuard() { --t_inHook; }
  ReentrancyGuard(const ReentrancyGuard&) = delete;
  ReentrancyGuard& operator=(const ReentrancyGuard&) = delete;
};

/// This thread's state, created on first use; nullptr if memory is exhausted.
ThreadState* currentThreadState() noexcept;

/// A state not bound to any thread (a stream the sampler writes for every thread); it stays
/// Active until the process ends. nullptr if memory is exhausted.
ThreadState* createDetachedState() noexcept;

/// First state of the registry (walk with next).
ThreadState* registryHead() noexcept;

/// Creates the pthread key whose destructor marks a thread's state Exited.
void initThreadRegistry() noexcept;

/// In a forked child: every other thread is gone. Their states become Free (their events
/// belong to the parent's log); the caller's state restarts as a fresh stream.
void resetRegistryAfterFork() noexcept;

/// Starts a new stream in @p state: new id, reset deltas, ThreadStart record.
void beginStream(ThreadState* state) noexcept;

}  // namespace memprof::preload
