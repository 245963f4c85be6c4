// SPDX-License-Identifier: MIT
/// @brief perf_event ring buffer of register + stack-copy samples (see perf_sample_ring.h).
#include "perf_sample_ring.h"

#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "own_fd.h"

namespace memprof::preload {

namespace {

std::size_t pageSize() { return static_cast<std::size_t>(sysconf(_SC_PAGESIZE)); }

int openCounter(unsigned hz, std::uint32_t stackBytes, bool excludeKernel) {
  perf_event_attr attr;
  taskClockAttr(&attr, hz, excludeKernel);
  attr.sample_type = PERF_SAMPLE_TIME | PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER;
  attr.sample_regs_user = kSampleRegsMask;
  attr.sample_stack_user = stackBytes;
  attr.use_clockid = 1;
  attr.clockid = CLOCK_MONOTONIC;
  attr.exclude_callchain_kernel = 1;
  // Nobody polls the fd: the writer reads on its own tick, so never ask for wake-ups.
  attr.watermark = 1;
  attr.wakeup_watermark = 0xffffffffU;
  return static_cast<int>(syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC));
}

}  // namespace

void taskClockAttr(perf_event_attr* attr, unsigned hz, bool excludeKernel) noexcept {
  std::memset(attr, 0, sizeof *attr);
  attr->size = sizeof *attr;
  attr->type = PERF_TYPE_SOFTWARE;
  attr->config = PERF_COUNT_SW_TASK_CLOCK;  // this thread's CPU time, hrtimer driven
  attr->sample_period = 1000000000ULL / hz;
  attr->disabled = 1;
  attr->exclude_hv = 1;
  attr->exclude_kernel = excludeKernel ? 1 : 0;
}

std::size_t perfRingDataBytes(unsigned hz, std::uint32_t stackBytes,
                              unsigned milliseconds) noexcept {
  const std::size_t record = stackBytes + 256;
  const std::size_t want = static_cast<std::size_t>(hz) * record * milliseconds / 1000;
  std::size_t bytes = std::size_t{64} * 1024;
  while (bytes < want && bytes < (2U << 20)) bytes <<= 1;
  return bytes;
}

bool openPerfRing(PerfRing* ring, unsigned hz, std::uint32_t stackBytes, std::size_t dataBytes,
                  bool* excludeKernel) noexcept {
  if (hz == 0) return false;
  int fd = openCounter(hz, stackBytes, *excludeKernel);
  if (fd < 0 && (errno == EACCES || errno == EPERM) && !*excludeKernel) {
    fd = openCounter(hz, stackBytes, true);  // perf_event_paranoid 2: user-space time only
    if (fd >= 0) *excludeKernel = true;
  }
  if (fd < 0) return false;
  fd = moveFdHigh(fd);
  const std::size_t bytes = pageSize() + dataBytes;
  void* base = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (base == MAP_FAILED) {  // e.g. over the perf_event_mlock_kb budget of an unprivileged user
    close(fd);
    return false;
  }
  if (ioctl(fd, PERF_EVENT_IOC_ENABLE, 0) != 0) {
    munmap(base, bytes);
    close(fd);
    return false;
  }
  ring->fd = fd;
  ring->id = perfEventId(fd);
  ring->base = static_cast<std::uint8_t*>(base);
  ring->mappedBytes = bytes;
  ring->lost = 0;
  return true;
}

// The program may have closed our fd (closing every fd >= 3) and reused the number for a file of
// its own: every use checks first. (The mapping keeps the event alive, so samples still come.)
void disablePerfRing(PerfRing* ring) noexcept {
  const int fd = ownPerfFd(ring->fd, ring->id);
  if (fd >= 0) ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
}

void enablePerfRing(PerfRing* ring) noexcept {
  const int fd = ownPerfFd(ring->fd, ring->id);
  if (fd >= 0) ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
}

std::uint64_t perfRingCpuNs(const PerfRing* ring) noexcept {
  std::uint64_t value = 0;
  const int fd = ownPerfFd(ring->fd, ring->id);
  if (fd < 0 || read(fd, &value, sizeof value) != static_cast<ssize_t>(sizeof value)) return 0;
  return value;
}

void closePerfRing(PerfRing* ring) noexcept {
  if (ring->base != nullptr) munmap(ring->base, ring->mappedBytes);
  const int fd = ownPerfFd(ring->fd, ring->id);
  if (fd >= 0) close(fd);
  abandonPerfRing(ring);
}

void abandonPerfRing(PerfRing* ring) noexcept {
  ring->fd = -1;
  ring->id = 0;
  ring->base = nullptr;
  ring->mappedBytes = 0;
}

std::size_t readPerfRing(PerfRing* ring, std::uint8_t* scratch, std::size_t scratchSize,
                         RingSampleSink onSample, void* context) noexcept {
  if (ring->base == nullptr) return 0;
  auto* header = reinterpret_cast<perf_event_mmap_page*>(ring->base);
  const std::size_t page = pageSize();
  const std::uint64_t dataOffset = header->data_offset != 0 ? header->data_offset : page;
  const std::uint64_t dataSize =
      header->data_size != 0 ? header->data_size : ring->mappedBytes - page;
  const std::uint8_t* data = ring->base + dataOffset;
  const std::uint64_t head = __atomic_load_n(&header->data_head, __ATOMIC_ACQUIRE);
  std::uint64_t tail = header->data_tail;
  std::size_t samples = 0;
  while (tail + sizeof(perf_event_header) <= head) {
    perf_event_header eh;
    const std::size_t at = static_cast<std::size_t>(tail % dataSize);
    // The header itself may straddle the end of the ring.
    for (std::size_t i = 0; i < sizeof eh; ++i) {
      reinterpret_cast<std::uint8_t*>(&eh)[i] = data[(at + i) % dataSize];
    }
    if (eh.size < sizeof eh || tail + eh.size > head) break;
    const std::uint8_t* record = data + at;
    if (at + eh.size > dataSize) {  // wraps: reassemble in the scratch buffer
      if (eh.size > scratchSize) {
        tail += eh.size;
        continue;
      }
      const std::size_t first = static_cast<std::size_t>(dataSize - at);
      std::memcpy(scratch, data + at, first);
      std::memcpy(scratch + first, data, eh.size - first);
      record = scratch;
    }
    const std::uint8_t* p = record + sizeof eh;
    const std::uint8_t* end = record + eh.size;
    auto u64 = [&p, end](std::uint64_t* v) {
      if (p + 8 > end) return false;
      std::memcpy(v, p, 8);
      p += 8;
      return true;
    };
    if (eh.type == PERF_RECORD_LOST) {
      std::uint64_t id = 0, lost = 0;
      if (u64(&id) && u64(&lost)) ring->lost += lost;
    } else if (eh.type == PERF_RECORD_SAMPLE) {
      RingSample s;
      std::uint64_t abi = 0, size = 0;
      bool ok = u64(&s.timeNs) && u64(&abi);
      if (ok && abi != PERF_SAMPLE_REGS_ABI_NONE) {
        for (std::size_t r = 0; r < kSampleRegs && ok; ++r) ok = u64(&s.regs[r]);
      }
      ok = ok && abi != PERF_SAMPLE_REGS_ABI_NONE && u64(&size);
      if (ok && size != 0 && p + size + 8 <= end) {
        std::uint64_t dynSize = 0;
        std::memcpy(&dynSize, p + size, 8);
        s.stack = p;
        s.stackSize = static_cast<std::size_t>(dynSize < size ? dynSize : size);
      }
      if (ok) {
        onSample(context, s);
        ++samples;
      }
    }
    tail += eh.size;
  }
  __atomic_store_n(&header->data_tail, tail, __ATOMIC_RELEASE);
  return samples;
}

}  // namespace memprof::preload
