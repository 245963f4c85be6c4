// SPDX-License-Identifier: MIT
/// @brief pthread_create: start CPU sampling inside every new thread before its own code runs,
/// so a worker that never allocates is sampled on its own CPU time too.
#include <dlfcn.h>
#include <pthread.h>

#include <atomic>

#include "cpu_sampler.h"
#include "interpose_common.h"

using namespace memprof::preload;

namespace {

using StartRoutine = void* (*)(void*);
using PthreadCreate = int (*)(pthread_t*, const pthread_attr_t*, StartRoutine, void*);

/// Start arguments live in a fixed pool (no malloc); a full pool means "start unsampled".
struct StartSlot {
  std::atomic<bool> used{false};
  StartRoutine routine = nullptr;
  void* arg = nullptr;
};
constexpr std::size_t kSlots = 1024;
StartSlot s_slots[kSlots];
constinit PthreadCreate s_realCreate = nullptr;

StartSlot* claimSlot() {
  for (auto& slot : s_slots) {
    bool expected = false;
    if (slot.used.compare_exchange_strong(expected, true, std::memory_order_acquire)) return &slot;
  }
  return nullptr;
}

void* threadStart(void* raw) {
  auto* slot = static_cast<StartSlot*>(raw);
  const StartRoutine routine = slot->routine;
  void* arg = slot->arg;
  slot->used.store(false, std::memory_order_release);
  if (samplingEnabled()) {
    ++t_inHook;
    startThreadSampling(currentThreadState());
    --t_inHook;
  }
  return routine(arg);
}

}  // namespace

MEMPROF_EXPORT int pthread_create(pthread_t* thread, const pthread_attr_t* attr,
                                  StartRoutine routine, void* arg) {
  if (s_realCreate == nullptr) {
    s_realCreate = reinterpret_cast<PthreadCreate>(dlsym(RTLD_NEXT, "pthread_create"));
  }
  StartSlot* slot = samplingEnabled() && t_inHook == 0 ? claimSlot() : nullptr;
  if (slot == nullptr) return s_realCreate(thread, attr, routine, arg);
  slot->routine = routine;
  slot->arg = arg;
  const int rc = s_realCreate(thread, attr, threadStart, slot);
  if (rc != 0) slot->used.store(false, std::memory_order_release);
  return rc;
}
