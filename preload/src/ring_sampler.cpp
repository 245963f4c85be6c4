// SPDX-License-Identifier: MIT
/// @brief Per-thread perf rings, collected and unwound off-thread (see ring_sampler.h).
#include "ring_sampler.h"

#include <time.h>

#include <atomic>

#include "clock.h"
#include "config.h"
#include "internal_memory.h"
#include "memprof/format/encoder.h"
#include "perf_sample_ring.h"
#include "recorder.h"
#include "spin_lock.h"
#include "stack_capture.h"
#include "stack_copy_unwinder.h"
#include "thread_state.h"

namespace memprof::preload {

namespace {

constexpr std::size_t kScratchBytes =
    std::size_t{72} * 1024;  // one record: 65528 stack bytes at most + regs

constinit SpinLock s_unwindLock;
constinit std::atomic<std::uint32_t> s_threads{0};
constinit std::atomic<std::uint64_t> s_samples{0};
constinit std::atomic<std::uint64_t> s_lost{0};
constinit std::atomic<std::uint64_t> s_accountedSamples{0};
constinit std::atomic<std::uint64_t> s_accountedPeriods{0};
constinit std::atomic<std::uint64_t> s_collectNs{0};  ///< CPU time spent reading and unwinding
constinit bool s_excludeKernel = false;
constinit bool s_refused = false;  ///< the kernel refused a ring once: do not retry per thread
// Guarded by the unwind lock:
constinit ThreadState* s_stream = nullptr;  ///< the stream ThreadSample records go to
constinit std::uint8_t* s_scratch = nullptr;
constinit std::uint64_t s_lastTimeUs = 0;

/// Depth of the unwind lock held by this thread: dlclose may nest (a destructor unloading
/// another library) and the collector may run on a thread that is inside dlclose (exit from a
/// destructor); both re-enter instead of waiting for themselves.
constinit __thread int t_unwindDepth MEMPROF_TLS = 0;

/// Takes the lock, giving up after @p maxWaitUs (0: wait as long as it takes). Sleeps while
/// waiting: a dlclose may hold it through library destructors.
bool lockUnwind(std::uint64_t maxWaitUs = 0) {
  if (t_unwindDepth++ > 0) return true;
  if (s_unwindLock.tryLockFor(maxWaitUs)) return true;
  --t_unwindDepth;
  return false;
}

void unlockUnwind() {
  if (t_unwindDepth > 0 && --t_unwindDepth == 0) s_unwindLock.unlock();
}

struct CollectContext {
  ThreadState* sampled;
};

void onRingSample(void* context, const RingSample& sample) {
  auto* c = static_cast<CollectContext*>(context);
  std::uintptr_t ips[kMaxFrames];
  const std::size_t depth = unwindStackCopy(sample, ips, kMaxFrames);
  ++c->sampled->perfRingSamples;
  if (s_stream == nullptr || !g_recording.load(std::memory_order_relaxed)) return;
  const std::uint32_t stack = internStack(s_stream, ips, depth);
  const std::uint64_t t = sample.timeNs > g_startNs ? (sample.timeNs - g_startNs) / 1000 : 0;
  std::uint8_t buf[48];
  format::Encoder e(buf, sizeof buf);
  e.type(format::RecordType::ThreadSample)
      .varint(c->sampled->streamId)
      .zigzag(static_cast<std::int64_t>(t) - static_cast<std::int64_t>(s_lastTimeUs))
      .varint(stack)
      .varint(1);
  s_lastTimeUs = t;
  pushRecordTo(s_stream, e.data(), e.size());
  s_samples.fetch_add(1, std::memory_order_relaxed);
}

void collectRingsLocked();

/// Under the unwind lock; measures its own CPU cost (reported in the sampler note).
void collectLocked() {
  const std::uint64_t start = threadCpuNs();
  t_quietSigmask = true;
  collectRingsLocked();
  t_quietSigmask = false;
  s_collectNs.fetch_add(threadCpuNs() - start, std::memory_order_relaxed);
}

void collectRingsLocked() {
  if (s_scratch == nullptr) s_scratch = static_cast<std::uint8_t*>(internalMap(kScratchBytes));
  // (Again after a fork: the child makes its own address space, see below.)
  if (s_scratch == nullptr || !initStackCopyUnwinder()) return;
  for (ThreadState* s = registryHead(); s != nullptr; s = s->next.load()) {
    if (__atomic_load_n(&s->perfRing.base, __ATOMIC_ACQUIRE) == nullptr) continue;
    if (s_stream == nullptr) s_stream = createDetachedState();
    CollectContext context{s};
    readPerfRing(&s->perfRing, s_scratch, kScratchBytes, onRingSample, &context);
    s_lost.fetch_add(s->perfRing.lost, std::memory_order_relaxed);
    s->perfRing.lost = 0;
    if (s->perfRingStopped.load(std::memory_order_acquire)) {
      s_accountedSamples.fetch_add(s->perfRingSamples, std::memory_order_relaxed);
      s_accountedPeriods.fetch_add(s->perfRingCpuNs / (1000000000ULL / g_config.sampleHz),
                                   std::memory_order_relaxed);
      closePerfRing(&s->perfRing);  // the state may now be reused (log_sink checks this)
    }
  }
}

}  // namespace

bool startRingSampling(ThreadState* s) noexcept {
  if (s_refused || !g_config.ringSampler || s->perfRing.base != nullptr) return false;
  PerfRing ring;
  bool excludeKernel = s_excludeKernel;
  // ~30 ms of samples (three writer ticks). Rings are pinned memory: past 64 sampled threads,
  // ~8 ms each (a program with hundreds of threads rarely keeps them all on a CPU).
  const unsigned ms = s_threads.load(std::memory_order_relaxed) < 64 ? 30 : 8;
  const std::size_t dataBytes = perfRingDataBytes(g_config.sampleHz, g_config.stackCopyBytes, ms);
  if (!openPerfRing(&ring, g_config.sampleHz, g_config.stackCopyBytes, dataBytes, &excludeKernel)) {
    // Refused outright (no perf_event, seccomp): every thread would be; over the locked-memory
    // budget: later threads might fit again once others exit, but keep it simple and cheap.
    s_refused = true;
    return false;
  }
  s_excludeKernel = excludeKernel;
  s->perfRingSamples = 0;
  s->perfRingCpuNs = 0;
  s->perfRingStopped.store(false, std::memory_order_relaxed);
  // Published to the collector (which walks the registry concurrently): every field first,
  // the base pointer it tests last.
  s->perfRing.fd = ring.fd;
  s->perfRing.id = ring.id;
  s->perfRing.mappedBytes = ring.mappedBytes;
  s->perfRing.lost = 0;
  __atomic_store_n(&s->perfRing.base, ring.base, __ATOMIC_RELEASE);
  s_threads.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void stopRingSampling(ThreadState* s) noexcept {
  if (s == nullptr || s->perfRing.base == nullptr ||
      s->perfRingStopped.load(std::memory_order_relaxed)) {
    return;
  }
  disablePerfRing(&s->perfRing);
  s->perfRingCpuNs = perfRingCpuNs(&s->perfRing);
  s->perfRingStopped.store(true, std::memory_order_release);
}

void collectRingSamples() noexcept {
  if (s_threads.load(std::memory_order_relaxed) == 0) return;
  lockUnwind();
  collectLocked();
  unlockUnwind();
}

void finishRingSampling() noexcept {
  if (s_threads.load(std::memory_order_relaxed) == 0) return;
  stopRingSampling(t_state);
  // Bounded: the process is ending; the last few milliseconds of samples are not worth a hang.
  if (!lockUnwind(200'000)) return;
  collectLocked();
  unlockUnwind();
}

void pauseRingSampling() noexcept {
  for (ThreadState* s = registryHead(); s != nullptr; s = s->next.load()) {
    if (s->perfRing.base != nullptr) disablePerfRing(&s->perfRing);
  }
}

void resumeRingSampling() noexcept {
  for (ThreadState* s = registryHead(); s != nullptr; s = s->next.load()) {
    if (s->perfRing.base != nullptr && !s->perfRingStopped.load()) enablePerfRing(&s->perfRing);
  }
}

void resetRingSamplingAfterFork() noexcept {
  for (ThreadState* s = registryHead(); s != nullptr; s = s->next.load()) {
    if (s->perfRing.base != nullptr) closePerfRing(&s->perfRing);  // unmap our view, no reads
  }
  s_unwindLock.resetAfterFork();  // the writer that may have held it does not exist here
  t_unwindDepth = 0;
  abandonStackCopyUnwinderAfterFork();
  s_stream = nullptr;  // it was set Free with the other threads' states
  s_lastTimeUs = 0;
  s_threads.store(0);
  s_samples.store(0);
  s_lost.store(0);
  s_accountedSamples.store(0);
  s_accountedPeriods.store(0);
  s_collectNs.store(0);
}

bool lockUnwindForFork() noexcept {
  // Bounded: the holder may be a dlclose running library destructors, which must not be able
  // to stall fork for long. Without the lock the child is still safe (it abandons the address
  // space); with it, no thread is inside libunwind at the fork at all.
  return lockUnwind(200'000);
}

void unlockUnwindAfterFork(bool locked) noexcept {
  if (locked) unlockUnwind();
}

bool beginModuleUnload() noexcept {
  if (s_threads.load(std::memory_order_relaxed) == 0) return false;
  lockUnwind();
  return true;
}

void endModuleUnload(bool locked) noexcept {
  if (!locked) return;
  flushStackCopyUnwinder();
  unlockUnwind();
}

RingSamplingStats ringSamplingStats() noexcept {
  return RingSamplingStats{
      s_threads.load(),          s_samples.load(),   s_lost.load(),  s_accountedSamples.load(),
      s_accountedPeriods.load(), s_collectNs.load(), s_excludeKernel};
}

}  // namespace memprof::preload
