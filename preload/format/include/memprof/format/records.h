// SPDX-License-Identifier: MIT
/// @brief The memprof log format, version 3: file header, blocks, chunks and record types.
///
/// docs/log-format.md is the prose specification; this header is its single source of truth
/// in code. Layout, outermost first:
///
///   File    = FileHeader Block*
///   FileHeader (fixed 16 bytes, little endian):
///     magic[8] = "MEMPROF\x1a"   u32 version = 3   u32 flags = 0
///   Block   = u8 encoding (0 raw, 1 zstd, 2 zstd of columns) u32 storedSize u32 rawSize
///   u32 checksum
///   payload[storedSize]
///             checksum = FNV-1a 32 of the stored payload bytes.
///   payload (after decompression, rawSize bytes) = Chunk*
///   Chunk   = varint streamId  varint length  bytes[length]
///     A chunk is a slice of one stream's record sequence; records never straddle chunks.
///     Stream 0 is the process stream (written by the writer thread); streams >= 1 are threads.
///   Record  = u8 type  fields...   (fields are LEB128 varints unless noted; "z" = zig-zag)
///
/// Delta state is per stream and starts at zero: lastSeq, lastTimeUs, lastPtr, lastStack,
/// lastNodeId, lastGeneration, the node-ip cache.
/// Every heap event carries a process-wide sequence number (dense, from 0); the analyzer merges
/// streams by it, which orders address reuse across threads exactly.
#pragma once

#include <cstdint>

namespace memprof::format {

inline constexpr char kMagic[8] = {'M', 'E', 'M', 'P', 'R', 'O', 'F', '\x1a'};
/// Version 2 added the ThreadSample record and block encoding 2 (columns.h); version 3 the
/// packed stack nodes (StackNodeCachedIp, StackNodeNewIp) and their three columns. An older
/// log is a newer one without these, so readers accept all three.
inline constexpr std::uint32_t kVersion = 3;
inline constexpr std::uint32_t kOldestReadableVersion = 1;
inline constexpr std::size_t kFileHeaderSize = 16;
inline constexpr std::size_t kBlockHeaderSize = 13;
/// Upper bound on a block's raw size; readers reject larger claims as corrupt.
inline constexpr std::uint32_t kMaxBlockRawSize = 64U << 20;

/// ZstdColumns: a zstd frame of the payload split into columns (columns.h).
/// ZstdColumnsStream (version 3): the payload split into columns, compressed as the next piece
/// of one zstd stream that runs through every block of this encoding in the file (flushed at
/// each block's end). Small blocks, written every 10 ms, then compress with what came before
/// (matches and entropy statistics): logs are 10-20% smaller than with encoding 2. A reader
/// must decompress these blocks in file order, with one decompression context.
enum class BlockEncoding : std::uint8_t {
  Raw = 0,
  Zstd = 1,
  ZstdColumns = 2,
  ZstdColumnsStream = 3
};

/// Which interface the program called. Kept so reports can show it and mismatches can be found.
enum class AllocFn : std::uint8_t {
  Malloc = 0,
  Calloc,
  Realloc,
  ReallocArray,
  PosixMemalign,
  AlignedAlloc,
  Memalign,
  Valloc,
  Pvalloc,
  New,
  NewArray,
  Free,
  Delete,
  DeleteArray,
  Count
};

const char* allocFnName(AllocFn fn) noexcept;

enum class RecordType : std::uint8_t {
  /// Process facts, first record of stream 0:
  /// varint pid, varint ppid, varint startRealtimeUs, varint startMonotonicUs, varint pageSize,
  /// varint sampleHz, string exe, varint argc, string argv[argc].
  /// string = varint length + bytes.
  Process = 1,
  /// First record of each thread stream: varint osTid.
  ThreadStart = 2,
  /// Heap events put the AllocFn in the type byte: type = base + fn (see kAllocBase etc.).
  /// Alloc   (kAllocBase + fn): varint seqDelta, varint timeDeltaUs, varint size, z ptrDelta,
  ///         z stackDelta. ptrDelta is against the stream's previous Alloc/Free pointer; stack
  ///         is the innermost stack node id (0 = none). Each Alloc also enters the stream's
  ///         recent-allocation ring (kRecentRing slots, indexed by the stream's Alloc count).
  /// Free    (kFreeBase + fn): varint seqDelta, varint timeDeltaUs, z ptrDelta.
  /// FreeRecent (kFreeRecentBase + fn): varint seqDelta, varint timeDeltaUs, varint distance:
  ///         the freed pointer is the one of the stream's Alloc number (allocCount - distance),
  ///         1 <= distance <= kRecentRing. Frees of recently allocated blocks (most of them) cost
  ///         a byte or two instead of a pointer: this is what keeps logs small.
  /// AllocReuse (kAllocReuseBase + fn): varint seqDelta, varint timeDeltaUs, varint size,
  ///         varint distance, z stackDelta: an Alloc whose pointer is the one freed by the
  ///         stream's Free/FreeRecent number (freeCount - distance), 1 <= distance <=
  ///         kFreedRing. Allocators hand recently freed chunks straight back, so this replaces
  ///         most allocation pointers by a byte. Every Free/FreeRecent enters the stream's
  ///         freed ring (kFreedRing slots, indexed by the stream's free count).

  /// A sequence number consumed without an event (a realloc that failed after its number was
  /// taken): varint seqDelta. Keeps the sequence dense for the merge.
  SeqGap = 5,
  /// Stack trie node: varint id, varint parentId (0 = root), varint ip (return address as
  /// unwound; the analyzer subtracts 1 for lookup), varint generation (module-map generation).
  StackNode = 6,
  /// Module map snapshot, complete: varint generation, varint count, then per module:
  /// string path, varint base (load bias, dlpi_addr), string buildId (raw bytes),
  /// varint segmentCount, per segment: varint vaddr, varint memsz, varint flags (PF_*).
  Modules = 7,
  /// Resident set size: varint timeUs (absolute, like Exit), varint rssBytes.
  Rss = 8,
  /// How the process ended: varint kind (ExitKind), varint value (status or signal number),
  /// varint timeUs (absolute, monotonic-relative to start).
  Exit = 9,
  /// CPU sample: varint timeDeltaUs, varint stack (innermost node; its ip is the exact PC),
  /// varint weight (samples represented, normally 1).
  Sample = 10,
  /// Sampling configuration actually achieved: varint requestedHz, varint achievedHz,
  /// varint clock (0 cpu, 1 wall), string note.
  SamplerInfo = 11,
  /// Thread name: string name.
  ThreadName = 12,
  /// Leak scan verdicts (written at exit): varint count, then per block: z ptrDelta, varint kind
  /// (LeakKind). Blocks not listed were not scanned.
  LeakKinds = 13,
  /// End of a clean log: varint totalEvents. Its absence means the log was cut short.
  Trailer = 14,
  /// The kernel's exact peak resident set size (VmHWM), written at exit: RSS samples every
  /// 10 ms can miss a short spike. varint bytes.
  PeakRss = 15,
  /// A CPU sample of another stream's thread, written by the sampler's own stream (ring-buffer
  /// sampling unwinds off-thread). varint stream, zigzag timeDelta (us, against this stream's
  /// previous sample: threads' samples interleave), varint stack (node id in this log), varint
  /// weight.
  ThreadSample = 16,
  /// Version 3's stack trie node, delta-coded against the stream's previous packed node (the
  /// writer creates a stack's new nodes root side first, with ids from one rising counter, so
  /// a node's id is almost always the previous one + 1 and its parent that previous node).
  /// varint idGap (id = lastNodeId + 1 + idGap), varint parentDistance (parent = id -
  /// parentDistance; = id for a root node), varint slot (ip = nodeIps[slot]), z
  /// generationDelta (generation = lastGeneration + delta). A few thousand distinct return
  /// addresses make up millions of nodes: most are found in the stream's node-ip cache.
  StackNodeCachedIp = 17,
  /// The same with the ip written out: varint idGap, varint parentDistance, varint ip,
  /// z generationDelta; then nodeIps[nodeIpSlot(ip)] = ip.
  StackNodeNewIp = 18,
};

/// Type byte ranges of heap events (base + AllocFn value).
inline constexpr std::uint8_t kAllocBase = 32;
inline constexpr std::uint8_t kFreeBase = 64;
inline constexpr std::uint8_t kFreeRecentBase = 96;
inline constexpr std::uint8_t kAllocReuseBase = 128;
/// Slots in each stream's recent-allocation ring (power of two).
inline constexpr std::uint32_t kRecentRing = 16384;
/// Slots in each stream's freed-pointer ring (power of two).
inline constexpr std::uint32_t kFreedRing = 4096;
/// The rings of versions 1 and 2, which bound the distances in their logs. (Version 3's larger
/// rings found a free's block, or a reused address, in them for 10% more events on allocation
/// churn and cc1plus: a distance of two bytes instead of an address of three.)
inline constexpr std::uint32_t kRecentRingV2 = 4096;
inline constexpr std::uint32_t kFreedRingV2 = 256;

enum class ExitKind : std::uint8_t { Exited = 0, Signaled = 1, Exec = 2 };
enum class LeakKind : std::uint8_t { Definite = 0, Indirect = 1, Possible = 2, Reachable = 3 };

inline constexpr std::uint32_t kMaxRecordType = 18;

/// Slots of each stream's node-ip cache (power of two), all 0 at the start of a stream.
inline constexpr std::uint32_t kNodeIpSlots = 4096;
/// The slot a node's ip is cached in: the top 12 bits of a multiplicative hash.
inline constexpr std::uint32_t nodeIpSlot(std::uint64_t ip) noexcept {
  return static_cast<std::uint32_t>((ip * 0x9E3779B97F4A7C15ULL) >> 52);
}

/// FNV-1a over a byte range; used as the block checksum (cheap, and catches truncation/garbage).
inline std::uint32_t fnv1a32(const std::uint8_t* data, std::size_t size) noexcept {
  std::uint32_t h = 2166136261U;
  for (std::size_t i = 0; i < size; ++i) {
    h ^= data[i];
    h *= 16777619U;
  }
  return h;
}

}  // namespace memprof::format
