// SPDX-License-Identifier: MIT
/// @brief glibc chunk headers → the mappings and arena heaps the allocator owns.
#include "memprof/leakscan/glibc_heap.h"

namespace memprof::leakscan {

namespace {

constexpr std::uint64_t kPage = 4096;
constexpr std::uint64_t kIsMmapped = 0x2;
constexpr std::uint64_t kNonMainArena = 0x4;
constexpr std::uint64_t kFlagBits = 0x7;
constexpr std::uint64_t kHeaderBytes = 16;  // prev_size, size
constexpr std::uint64_t kMaxChunk = 1ULL << 46;

}  // namespace

std::vector<Range> glibcOwnedRanges(const std::vector<Block>& blocks, MemorySource& memory) {
  std::vector<Range> owned;
  std::uint64_t lastHeap = ~std::uint64_t{0};
  for (const Block& b : blocks) {
    if (b.addr < kHeaderBytes) continue;
    const std::uint64_t chunk = b.addr - kHeaderBytes;
    std::uint64_t header[2] = {0, 0};
    memory.read(chunk, header, sizeof header);
    const std::uint64_t prevSize = header[0];
    const std::uint64_t chunkSize = header[1] & ~kFlagBits;
    // A header that cannot describe this block: not glibc's chunk (another allocator, an
    // unreadable page). No range: the caller stays conservative.
    if (chunkSize < b.size + 8 || chunkSize >= kMaxChunk) continue;
    if ((header[1] & kIsMmapped) != 0) {
      if (prevSize > chunk || (chunk - prevSize) % kPage != 0 || prevSize >= kMaxChunk) continue;
      owned.push_back(Range{chunk - prevSize, chunk + chunkSize});
    } else if ((header[1] & kNonMainArena) != 0) {
      const std::uint64_t heap = chunk & ~(kGlibcHeapMaxSize - 1);
      if (heap == lastHeap) continue;  // blocks come sorted: one range per heap
      owned.push_back(Range{heap, heap + kGlibcHeapMaxSize});
      lastHeap = heap;
    }
  }
  return owned;
}

}  // namespace memprof::leakscan
