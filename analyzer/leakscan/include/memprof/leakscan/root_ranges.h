// SPDX-License-Identifier: MIT
/// @brief Which memory of the scanned process counts as roots (globals, stacks, TLS).
///
/// Roots = the writable PT_LOAD segments of every loaded module except libmemprof.so, plus
/// every readable, writable, private anonymous mapping (thread stacks, TLS, memory the program
/// mmap'ed itself) and [stack], minus what the allocator owns (allocatorOwned). A mapping
/// holding a live block that no allocatorOwned range covers is left out whole. A stack containing a
/// known stack pointer is scanned from that pointer up only (below it lie dead frames). Mappings
/// larger than kMaxRootMapping and the recorder's own memory are left out. Thread-safety: pure
/// functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "memprof/leakscan/reachability.h"
#include "memprof/reader/events.h"

namespace memprof::leakscan {

inline constexpr std::uint64_t kMaxRootMapping = 256ULL << 20;

struct Mapping {
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
  bool readable = false;
  bool writable = false;
  bool priv = false;
  std::uint64_t inode = 0;
  std::string name;  ///< path, "[stack]", "[heap]", "" for anonymous
};

/// Parses the text of /proc/PID/maps.
std::vector<Mapping> parseMaps(const std::string& text);

/// Stack pointers of the process's threads from /proc/PID/task/*/syscall (threads blocked
/// in a system call; running threads have none).
std::vector<std::uint64_t> threadStackPointers(int pid);

struct RootInputs {
  std::vector<Mapping> maps;
  const reader::ModuleSnapshot* modules = nullptr;  ///< latest snapshot, may be null
  std::uint64_t selfBase = 0;                       ///< load base of libmemprof.so (excluded)
  std::vector<std::uint64_t> stackPointers;
  std::vector<Range> excluded;                 ///< the recorder's own memory
  const std::vector<Block>* blocks = nullptr;  ///< live blocks, sorted by address
  std::vector<Range> allocatorOwned;           ///< e.g. glibcOwnedRanges(): never roots
};

/// Sorted, disjoint root ranges.
std::vector<Range> rootRanges(const RootInputs& in);

}  // namespace memprof::leakscan
