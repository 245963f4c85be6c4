// SPDX-License-Identifier: MIT
/// @brief Classifies live blocks as definite / indirect / possible / reachable, as memcheck does.
///
/// 1. Every aligned 8-byte word of the roots (globals, stacks, TLS) that points into a block
///    marks it: a pointer to its first byte from a root or a reachable block makes it
///    reachable; any other (interior pointer, or from a possibly-reachable block) makes it
///    possible. Marked blocks are scanned in turn until nothing changes.
/// 2. Blocks still unmarked are lost. In address order, each one not yet claimed leads a
///    "clique": everything it reaches (start or interior pointers) that is unmarked becomes
///    indirect, including earlier leaders. Leaders nobody else reaches are definite.
/// Thread-safety: none needed (pure function over its arguments).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "memprof/format/records.h"

namespace memprof::leakscan {

struct Block {
  std::uint64_t addr = 0;
  std::uint64_t size = 0;
};

/// Half-open address range [begin, end).
struct Range {
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
};

/// Where the scanned process's memory comes from (a live process, or a test's fake).
class MemorySource {
 public:
  virtual ~MemorySource() = default;
  /// Fills @p out with [addr, addr+size); bytes that cannot be read come back as zeros.
  virtual void read(std::uint64_t addr, void* out, std::size_t size) = 0;
};

struct ScanStats {
  std::uint64_t rootBytes = 0;
  std::uint64_t blockBytes = 0;  ///< bytes of blocks read (a block may be read twice)
  std::uint64_t words = 0;
};

struct ScanOptions {
  /// glibc malloc keeps pointers to chunk headers (its top chunk, bins). When a block's size
  /// leaves less than 8 bytes of its chunk unused, the header of the chunk after it lies
  /// inside the block's last bytes: such a pointer (block + chunkSize - 16) is bookkeeping,
  /// not an interior pointer of the program's, and is ignored.
  bool glibcChunkHeaders = false;
};

/// Verdicts for @p blocks, which must be sorted by address and not overlap; one per block.
std::vector<format::LeakKind> classify(const std::vector<Block>& blocks,
                                       const std::vector<Range>& roots, MemorySource& memory,
                                       ScanStats* stats = nullptr, ScanOptions options = {});

}  // namespace memprof::leakscan
