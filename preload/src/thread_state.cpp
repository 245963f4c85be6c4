// SPDX-License-Identifier: MIT
/// @brief Thread state creation, the registry and thread-exit detection.
#include "thread_state.h"

#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <new>

#include "cpu_sampler.h"
#include "internal_memory.h"
#include "memprof/format/encoder.h"

namespace memprof::preload {

__thread int t_inHook MEMPROF_TLS = 0;
__thread ThreadState* t_state MEMPROF_TLS = nullptr;
__thread bool t_inSignal MEMPROF_TLS = false;
__thread bool t_quietSigmask MEMPROF_TLS = false;

namespace {

constexpr std::size_t kRingBytes = 4U << 20;
std::atomic<ThreadState*> s_head{nullptr};
std::atomic<std::uint32_t> s_nextStream{1};
pthread_key_t s_exitKey;
bool s_haveKey = false;

void onThreadExit(void* state) {
  auto* s = static_cast<ThreadState*>(state);
  stopThreadSampling(s);
  if (t_state == s) t_state = nullptr;
  s->status.store(ThreadStatus::Exited, std::memory_order_release);
}

ThreadState* claimFreeState() {
  for (ThreadState* s = s_head.load(std::memory_order_acquire); s != nullptr;
       s = s->next.load(std::memory_order_acquire)) {
    ThreadStatus expected = ThreadStatus::Free;
    if (s->status.compare_exchange_strong(expected, ThreadStatus::Active)) return s;
  }
  return nullptr;
}

ThreadState* createState() {
  void* memory = internalMap(sizeof(ThreadState));
  auto* ring = static_cast<std::uint8_t*>(internalMap(kRingBytes));
  if (memory == nullptr || ring == nullptr) {
    internalUnmap(memory, sizeof(ThreadState));
    internalUnmap(ring, kRingBytes);
    return nullptr;
  }
  auto* s = new (memory) ThreadState();
  s->ringMemory = ring;
  s->ring.attach(ring, kRingBytes);
  s->recent = static_cast<ThreadState::RecentSlot*>(
      internalMap(kRecentSlots * sizeof(ThreadState::RecentSlot)));
  s->freed = static_cast<ThreadState::RecentSlot*>(
      internalMap(kFreedSlots * sizeof(ThreadState::RecentSlot)));
  s->nodeIps =
      static_cast<std::uint64_t*>(internalMap(format::kNodeIpSlots * sizeof(std::uint64_t)));
  if (!s->trie.init() || s->recent == nullptr || s->freed == nullptr || s->nodeIps == nullptr) {
    return nullptr;
  }
  ThreadState* head = s_head.load(std::memory_order_relaxed);
  do {
    s->next.store(head, std::memory_order_relaxed);
  } while (
      !s_head.compare_exchange_weak(head, s, std::memory_order_release, std::memory_order_relaxed));
  return s;
}

}  // namespace

void beginStream(ThreadState* s) noexcept {
  s->streamId = s_nextStream.fetch_add(1, std::memory_order_relaxed);
  s->lastSeq = 0;
  s->lastTimeUs = 0;
  s->lastPtr = 0;
  s->lastStack = 0;
  s->lastSampleTimeUs = 0;
  s->allocCount = 0;
  s->freeCount = 0;
  s->lastNodeId = 0;
  s->lastGeneration = 0;
  if (!s->tablesClean) {
    std::memset(s->recent, 0, kRecentSlots * sizeof(ThreadState::RecentSlot));
    std::memset(s->freed, 0, kFreedSlots * sizeof(ThreadState::RecentSlot));
    std::memset(s->nodeIps, 0, format::kNodeIpSlots * sizeof(std::uint64_t));
  }
  s->tablesClean = false;
  s->tid = static_cast<pid_t>(syscall(SYS_gettid));
  s->trie.clear();
  std::uint8_t buf[32];
  format::Encoder e(buf, sizeof buf);
  e.type(format::RecordType::ThreadStart).varint(static_cast<std::uint64_t>(s->tid));
  s->ring.push(e.data(), e.size());
}

ThreadState* currentThreadState() noexcept {
  if (t_state != nullptr) return t_state;
  ThreadState* s = claimFreeState();
  if (s == nullptr) s = createState();
  if (s == nullptr) return nullptr;
  beginStream(s);
  t_state = s;
  if (s_haveKey) pthread_setspecific(s_exitKey, s);
  return s;
}

ThreadState* createDetachedState() noexcept {
  ThreadState* s = claimFreeState();
  if (s == nullptr) s = createState();
  if (s != nullptr) beginStream(s);
  return s;
}

ThreadState* registryHead() noexcept { return s_head.load(std::memory_order_acquire); }

void initThreadRegistry() noexcept {
  s_haveKey = pthread_key_create(&s_exitKey, onThreadExit) == 0;
}

void resetRegistryAfterFork() noexcept {
  s_nextStream.store(1, std::memory_order_relaxed);
  for (ThreadState* s = registryHead(); s != nullptr; s = s->next.load()) {
    s->ring.discard();
    if (s != t_state) s->status.store(ThreadStatus::Free);
  }
  if (t_state != nullptr) beginStream(t_state);
}

}  // namespace memprof::preload
