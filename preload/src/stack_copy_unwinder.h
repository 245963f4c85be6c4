// SPDX-License-Identifier: MIT
/// @brief Unwinds a sampled thread's stack from the registers and the copy of its stack that
/// the kernel took at the sample (perf_sample_ring.h), after the fact, on another thread.
///
/// libunwind runs on a custom address space: registers come from the sample, stack words from
/// the copy, and everything else (.eh_frame_hdr, .eh_frame, code bytes) is read in place from
/// the modules loaded in this very process, found with dl_iterate_phdr. An address in neither
/// is refused, never dereferenced, so a bad frame ends the walk instead of faulting.
/// Thread-safety: one caller at a time (the sampler's unwind lock); the lock also keeps dlclose
/// from unmapping a module while it is read. Signal-safety: none (not used in handlers).
#pragma once

#include <cstddef>
#include <cstdint>

#include "perf_sample_ring.h"

namespace memprof::preload {

/// Creates the address space (once). False if libunwind refuses.
bool initStackCopyUnwinder() noexcept;

/// Fills @p ips innermost first: the sampled program counter, then return addresses.
std::size_t unwindStackCopy(const RingSample& sample, std::uintptr_t* ips,
                            std::size_t max) noexcept;

/// Forgets cached modules and unwind rules (after dlclose: an address may now be other code).
void flushStackCopyUnwinder() noexcept;

/// In a fork child: drops the parent's address space without touching it (a few KB leak), so
/// the next initStackCopyUnwinder makes a new one. The parent's writer thread may have been
/// inside libunwind with it at the fork, holding a mutex that lives in it: the child's first
/// unwind (at its exit, collecting its last samples) waited on that mutex forever.
void abandonStackCopyUnwinderAfterFork() noexcept;

}  // namespace memprof::preload
