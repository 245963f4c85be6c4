// SPDX-License-Identifier: MIT
/// @brief Sleep calls under wall-clock sampling. A handled signal cuts nanosleep short with
/// EINTR even under SA_RESTART, so our sampling timer would end the program's sleeps early.
/// When only our signal interrupted the sleep, sleep again for the time that was left; any
/// other outcome is returned as it came. Inactive (plain forwarding) unless --clock wall.
/// (glibc's sleep/usleep call nanosleep internally, not through the PLT: they are hooked too.)
#include <dlfcn.h>
#include <errno.h>
#include <time.h>
#include <unistd.h>

#include "cpu_sampler.h"
#include "interpose_common.h"

using namespace memprof::preload;

namespace {

using ClockNanosleep = int (*)(clockid_t, int, const timespec*, timespec*);
constinit ClockNanosleep s_realClockNanosleep = nullptr;

ClockNanosleep realClockNanosleep() {
  if (s_realClockNanosleep == nullptr) {
    s_realClockNanosleep = reinterpret_cast<ClockNanosleep>(dlsym(RTLD_NEXT, "clock_nanosleep"));
  }
  return s_realClockNanosleep;
}

/// clock_nanosleep semantics (returns an error number), restarting after our interruptions.
int sleepRestarting(clockid_t clock, int flags, const timespec* request, timespec* remain) {
  const ClockNanosleep real = realClockNanosleep();
  if (real == nullptr) return ENOSYS;
  timespec left = *request;
  for (;;) {
    const unsigned before = samplingSignalsSeen();
    timespec rest{};
    const int rc = real(clock, flags, &left, &rest);
    if (rc != EINTR || !wallClockSampling() || samplingSignalsSeen() == before) {
      if (rc == EINTR && remain != nullptr) *remain = rest;
      return rc;
    }
    if ((flags & TIMER_ABSTIME) == 0) left = rest;  // absolute deadlines stay as they are
  }
}

}  // namespace

MEMPROF_EXPORT int clock_nanosleep(clockid_t clock, int flags, const timespec* request,
                                   timespec* remain) {
  return sleepRestarting(clock, flags, request, remain);
}

MEMPROF_EXPORT int nanosleep(const timespec* request, timespec* remain) {
  const int rc = sleepRestarting(CLOCK_REALTIME, 0, request, remain);
  if (rc == 0) return 0;
  errno = rc;
  return -1;
}

MEMPROF_EXPORT int usleep(useconds_t microseconds) {
  const timespec request{static_cast<time_t>(microseconds / 1000000),
                         static_cast<long>(microseconds % 1000000) * 1000};
  return nanosleep(&request, nullptr);
}

MEMPROF_EXPORT unsigned int sleep(unsigned int seconds) {
  const timespec request{static_cast<time_t>(seconds), 0};
  timespec remain{};
  if (nanosleep(&request, &remain) == 0) return 0;
  return static_cast<unsigned>(remain.tv_sec) + (remain.tv_nsec > 0 ? 1U : 0U);
}
