// SPDX-License-Identifier: MIT
/// @brief One thread's perf_event task-clock counter writing samples into a kernel ring buffer.
///
/// Why: a sample delivered as a signal costs the program an interrupt, a signal frame, the
/// handler's own unwinding and a sigreturn; on this project's VMs that is about 40 us per sample
/// (4% at 1 kHz). Here the kernel writes the user registers and a copy of the top of the user
/// stack into a ring at each period, from the timer interrupt it takes anyway, and the writer
/// thread unwinds the copies later on the other core (perf record --call-graph dwarf works so).
/// Thread-safety: open/close by the owner of the ThreadState; read by one consumer at a time
/// (the caller serialises). Signal-safety: none needed (no signal is involved).
#pragma once

#include <linux/perf_event.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>

namespace memprof::preload {

/// Registers in a sample, in perf's x86-64 order (PERF_REG_X86_*): the mask below selects
/// AX BX CX DX SI DI BP SP IP and R8-R15, everything DWARF unwinding can name.
inline constexpr std::uint64_t kSampleRegsMask = 0x00ff01ffULL;
inline constexpr std::size_t kSampleRegs = 17;
enum SampleReg : std::size_t {
  kRegAx = 0,
  kRegBx,
  kRegCx,
  kRegDx,
  kRegSi,
  kRegDi,
  kRegBp,
  kRegSp,
  kRegIp,
  kRegR8,
  kRegR9,
  kRegR10,
  kRegR11,
  kRegR12,
  kRegR13,
  kRegR14,
  kRegR15
};

/// One sample as read from the ring; the stack bytes point into the reader's scratch buffer
/// and are valid until the next read.
struct RingSample {
  std::uint64_t timeNs = 0;  ///< CLOCK_MONOTONIC
  std::uint64_t regs[kSampleRegs] = {};
  const std::uint8_t* stack = nullptr;  ///< copy of user memory from regs[kRegSp] upwards
  std::size_t stackSize = 0;
};

struct PerfRing {
  int fd = -1;
  std::uint64_t id = 0;          ///< the event's kernel id: is fd still ours (own_fd.h)
  std::uint8_t* base = nullptr;  ///< header page followed by the data pages
  std::size_t mappedBytes = 0;
  std::uint64_t lost = 0;  ///< samples the kernel dropped because the ring was full
};

/// A disabled task-clock counter of the calling thread overflowing @p hz times per second of
/// its CPU time, with no sample fields (the signal backend adds its own, the ring backend its).
void taskClockAttr(perf_event_attr* attr, unsigned hz, bool excludeKernel) noexcept;

/// Data bytes for @p milliseconds of samples at @p hz: a power of two (as perf requires),
/// 64 KiB to 2 MiB.
std::size_t perfRingDataBytes(unsigned hz, std::uint32_t stackBytes,
                              unsigned milliseconds) noexcept;

/// Opens a counter for the calling thread at @p hz whose samples carry @p stackBytes of stack,
/// with a ring of @p dataBytes (perfRingDataBytes). Returns false (ring untouched) when
/// perf_event_open, mmap or the sample type is refused; @p excludeKernel is set when only
/// user time is allowed.
bool openPerfRing(PerfRing* ring, unsigned hz, std::uint32_t stackBytes, std::size_t dataBytes,
                  bool* excludeKernel) noexcept;

/// Stops counting (the ring can still be read).
void disablePerfRing(PerfRing* ring) noexcept;
void enablePerfRing(PerfRing* ring) noexcept;

/// Task-clock nanoseconds counted so far (0 if unreadable).
std::uint64_t perfRingCpuNs(const PerfRing* ring) noexcept;

/// Unmaps and closes.
void closePerfRing(PerfRing* ring) noexcept;

/// Forgets a ring inherited through fork without touching its data (the parent owns it).
void abandonPerfRing(PerfRing* ring) noexcept;

/// Calls @p onSample for every complete sample in the ring and releases the space.
/// @p scratch must hold one record (64 KiB); records that wrap are copied there.
using RingSampleSink = void (*)(void* context, const RingSample& sample);
std::size_t readPerfRing(PerfRing* ring, std::uint8_t* scratch, std::size_t scratchSize,
                         RingSampleSink onSample, void* context) noexcept;

}  // namespace memprof::preload
