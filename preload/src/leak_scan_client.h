// SPDX-License-Identifier: MIT
/// @brief Exit-time reachability scan: runs `memprof __leak-scan` on this process, logs verdicts.
///
/// The scan itself is full C++ (reader, replay, graph walk) and so lives in the memprof tool;
/// this side only spawns it, lets it read our memory, relays its LeakKinds records into the
/// log and reaps it. Syscalls only: no malloc, no libstdc++, no change the program can see
/// (exit status, output, signals); on any failure the scan is skipped silently.
///
/// Wire protocol over one AF_UNIX stream socket (the scanner gets it as --fd N):
///   us -> scanner: 'G' (go: ptrace permission granted), u32le n, n x (u64le base, u64le bytes)
///                  = our internal mappings, which the scanner must not treat as roots;
///   scanner -> us: frames of u32le length + one complete LeakKinds record (type byte included),
///                  at most kMaxLeakScanFrame bytes each; end of stream = done.
/// Environment: MEMPROF_LEAK_SCAN=0 turns the scan off; MEMPROF_SCANNER = the memprof binary
/// (default: <dir of libmemprof.so>/../bin/memprof); MEMPROF_LEAK_SCAN_TIMEOUT = seconds (30).
/// Thread-safety: runs once per process (later calls return at once); needs t_inHook raised.
#pragma once

#include <cstddef>

namespace memprof::preload {

inline constexpr std::size_t kMaxLeakScanFrame = 1U << 20;

/// Flushes the log, runs the scanner and appends its verdicts (before the Trailer).
void runLeakScan() noexcept;

}  // namespace memprof::preload
