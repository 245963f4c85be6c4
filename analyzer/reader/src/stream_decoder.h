// SPDX-License-Identifier: MIT
/// @brief Decodes the records of one chunk, keeping each stream's delta state.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "memprof/format/decoder.h"
#include "memprof/format/records.h"
#include "memprof/reader/events.h"
#include "record_sources.h"
#include "sequence_merger.h"

namespace memprof::reader {

class StreamDecoder {
 public:
  /// @p version: the log's format version (packed stack nodes are corrupt before version 3).
  StreamDecoder(EventSink& sink, SequenceMerger& merger, std::uint32_t version)
      : m_sink(sink),
        m_merger(merger),
        m_version(version),
        m_recentLimit(version >= 3 ? format::kRecentRing : format::kRecentRingV2),
        m_freedLimit(version >= 3 ? format::kFreedRing : format::kFreedRingV2) {}

  /// Decodes all records of a chunk of @p stream. Throws LogError on a malformed record.
  void decodeChunk(std::uint32_t stream, const std::uint8_t* data, std::size_t size);
  /// The same for a split chunk, read from its columns (see record_sources.h); also throws if
  /// its records do not fill it exactly.
  void decodeSplitChunk(std::uint32_t stream, ColumnSource& source);

  [[nodiscard]] bool sawTrailer() const { return m_sawTrailer; }
  [[nodiscard]] bool sawProcess() const { return m_sawProcess; }
  [[nodiscard]] std::uint64_t records() const { return m_records; }
  [[nodiscard]] std::uint64_t heapEvents() const { return m_heapEvents; }

 private:
  struct StreamState {
    std::uint64_t lastSeq = 0;
    std::uint64_t lastTimeUs = 0;
    std::uint64_t lastPtr = 0;
    std::int64_t lastStack = 0;
    std::uint64_t lastSampleTimeUs = 0;
    std::uint64_t allocCount = 0;
    /// Pointer of Alloc number n at n % kRecentRing. The rings grow to their full size only as
    /// a stream fills them: a log of 10,000 short threads must not cost 10,000 full rings.
    std::vector<std::uint64_t> recent;
    std::uint64_t freeCount = 0;
    std::vector<std::uint64_t> freed;  ///< pointer of Free number n at n % kFreedRing (grows too)
    std::uint64_t lastNodeId = 0;
    std::int64_t lastGeneration = 0;
    std::vector<std::uint64_t> nodeIps;  ///< node-ip cache, kNodeIpSlots (allocated on use)
  };
  StreamState& streamState(std::uint32_t stream);
  template <typename Source>
  void decodeRecords(std::uint32_t stream, Source& d);
  template <typename Source>
  void decodePackedNode(StreamState& st, format::RecordType type, Source& d, std::size_t at);
  template <typename Source>
  void decodeHeapEvent(StreamState& st, std::uint32_t stream, std::uint8_t type, Source& d,
                       std::size_t at);
  EventSink& m_sink;
  SequenceMerger& m_merger;
  std::uint32_t m_version;
  /// Largest distances of FreeRecent and AllocReuse: the rings of the log's version. (The
  /// rings themselves are always the largest: a distance within a smaller ring reads the same.)
  std::uint64_t m_recentLimit;
  std::uint64_t m_freedLimit;
  std::unordered_map<std::uint32_t, StreamState> m_streams;
  std::uint32_t m_cachedStream = ~0U;
  StreamState* m_cached = nullptr;
  bool m_sawTrailer = false;
  bool m_sawProcess = false;
  std::uint64_t m_records = 0;
  std::uint64_t m_heapEvents = 0;
};

}  // namespace memprof::reader
