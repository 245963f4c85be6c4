// SPDX-License-Identifier: MIT
/// @brief Record decoding (see memprof/format/records.h for every layout).
#include "stream_decoder.h"

#include <algorithm>
#include <initializer_list>
#include <string>

#include "memprof/format/column_schema.h"
#include "memprof/format/decoder.h"
#include "memprof/reader/log_reader.h"

namespace memprof::reader {

namespace {

using format::RecordType;

[[noreturn]] void malformed(RecordType type, std::size_t offset) {
  throw LogError("corrupt record (type " + std::to_string(static_cast<unsigned>(type)) +
                 ") at chunk offset " + std::to_string(offset));
}

template <typename... Fields>
void need(bool ok, RecordType type, std::size_t offset) {
  if (!ok) malformed(type, offset);
}

std::uint32_t narrow32(std::uint64_t v, RecordType type, std::size_t offset) {
  if (v > 0xFFFFFFFFULL) malformed(type, offset);
  return static_cast<std::uint32_t>(v);
}

/// Stores @p value as entry number @p count of a ring of @p max entries that grows by doubling
/// while it is not full: until it wraps, entry n sits at index n either way.
inline void ringPut(std::vector<std::uint64_t>& ring, std::uint64_t count, std::uint32_t max,
                    std::uint64_t value) {
  if (count >= ring.size() && ring.size() < max) {
    ring.resize(std::min<std::size_t>(max, std::max<std::size_t>(64, ring.size() * 2)), 0);
  }
  ring[count & (ring.size() - 1)] = value;
}

/// Entry number @p n of a ring filled by ringPut (n is below the count of entries put).
inline std::uint64_t ringGet(const std::vector<std::uint64_t>& ring, std::uint64_t n) {
  return ring[n & (ring.size() - 1)];
}

}  // namespace

/// The heap events' field columns, as decodeHeapEvent reads them, are the schema's.
constexpr bool heapFieldsAre(unsigned kind, std::initializer_list<format::Column> columns) {
  const format::ColumnSchema& s =
      format::columnSchema(static_cast<std::uint8_t>(format::kAllocBase + 32 * kind));
  std::size_t i = 0;
  for (const format::Column c : columns) {
    if (i >= s.count || s.fields[i].column != c) return false;
    ++i;
  }
  return i == s.count;
}
static_assert(heapFieldsAre(0, {format::kColSeq, format::kColTime, format::kColSize,
                                format::kColAddr, format::kColStack}));
static_assert(heapFieldsAre(1, {format::kColSeq, format::kColTime, format::kColAddr}));
static_assert(heapFieldsAre(2, {format::kColSeq, format::kColTime, format::kColDist}));
static_assert(heapFieldsAre(3, {format::kColSeq, format::kColTime, format::kColSize,
                                format::kColDist, format::kColStack}));
static_assert(format::kFreeBase == format::kAllocBase + 32 &&
              format::kFreeRecentBase == format::kAllocBase + 64 &&
              format::kAllocReuseBase == format::kAllocBase + 96);

template <typename Source>
void StreamDecoder::decodeHeapEvent(StreamState& st, std::uint32_t stream, std::uint8_t type,
                                    Source& d, std::size_t at) {
  const std::uint8_t base = type >= format::kAllocReuseBase   ? format::kAllocReuseBase
                            : type >= format::kFreeRecentBase ? format::kFreeRecentBase
                            : type >= format::kFreeBase       ? format::kFreeBase
                                                              : format::kAllocBase;
  const std::uint8_t fn = type - base;
  const auto rt = static_cast<RecordType>(type);
  if (fn >= static_cast<std::uint8_t>(format::AllocFn::Count) ||
      (type >= format::kFreeRecentBase + 32 && base != format::kAllocReuseBase) ||
      type >= format::kAllocReuseBase + 32) {
    throw LogError("corrupt record: unknown type " + std::to_string(type) + " at chunk offset " +
                   std::to_string(at));
  }
  using format::kColAddr, format::kColDist, format::kColSeq, format::kColSize, format::kColStack,
      format::kColTime;
  std::uint64_t seqDelta = 0, timeDelta = 0;
  need(d.template field<kColSeq>(&seqDelta) && d.template field<kColTime>(&timeDelta), rt, at);
  st.lastSeq += seqDelta;
  st.lastTimeUs += timeDelta;
  HeapEvent e;
  e.seq = st.lastSeq;
  e.timeUs = st.lastTimeUs;
  e.stream = stream;
  e.fn = static_cast<format::AllocFn>(fn);
  if (base == format::kAllocBase || base == format::kAllocReuseBase) {
    std::uint64_t size = 0, stackField = 0;
    need(d.template field<kColSize>(&size), rt, at);
    if (base == format::kAllocBase) {
      std::uint64_t ptrField = 0;
      need(d.template field<kColAddr>(&ptrField), rt, at);
      st.lastPtr += static_cast<std::uint64_t>(format::zigzagDecode(ptrField));
      e.ptr = st.lastPtr;
    } else {
      std::uint64_t distance = 0;
      need(d.template field<kColDist>(&distance) && distance >= 1 && distance <= m_freedLimit &&
               distance <= st.freeCount,
           rt, at);
      e.ptr = ringGet(st.freed, st.freeCount - distance);
    }
    need(d.template field<kColStack>(&stackField), rt, at);
    st.lastStack += format::zigzagDecode(stackField);
    if (st.lastStack < 0 || st.lastStack > 0xFFFFFFFFLL) malformed(rt, at);
    e.kind = HeapEventKind::Alloc;
    e.size = size;
    e.stack = static_cast<std::uint32_t>(st.lastStack);
    ringPut(st.recent, st.allocCount++, format::kRecentRing, e.ptr);
  } else if (base == format::kFreeBase) {
    std::uint64_t ptrField = 0;
    need(d.template field<kColAddr>(&ptrField), rt, at);
    st.lastPtr += static_cast<std::uint64_t>(format::zigzagDecode(ptrField));
    e.kind = HeapEventKind::Free;
    e.ptr = st.lastPtr;
    ringPut(st.freed, st.freeCount++, format::kFreedRing, e.ptr);
  } else {
    std::uint64_t distance = 0;
    need(d.template field<kColDist>(&distance) && distance >= 1 && distance <= m_recentLimit &&
             distance <= st.allocCount,
         rt, at);
    e.kind = HeapEventKind::Free;
    e.ptr = ringGet(st.recent, st.allocCount - distance);
    ringPut(st.freed, st.freeCount++, format::kFreedRing, e.ptr);
  }
  ++m_heapEvents;
  m_merger.push(e);
}

template <typename Source>
void StreamDecoder::decodePackedNode(StreamState& st, RecordType type, Source& d, std::size_t at) {
  if (m_version < 3) malformed(type, at);  // no such record before version 3
  std::uint64_t idGap = 0, parentDistance = 0, ipOrSlot = 0;
  std::int64_t generationDelta = 0;
  need(d.varint(&idGap) && d.varint(&parentDistance) && d.varint(&ipOrSlot) &&
           d.zigzag(&generationDelta),
       type, at);
  if (idGap > 0xFFFFFFFFULL) malformed(type, at);
  const std::uint64_t id = st.lastNodeId + 1 + idGap;
  const std::int64_t generation = st.lastGeneration + generationDelta;
  if (id > 0xFFFFFFFFULL || parentDistance == 0 || parentDistance > id || generation < 0 ||
      generation > 0xFFFFFFFFLL) {
    malformed(type, at);
  }
  if (st.nodeIps.empty()) st.nodeIps.assign(format::kNodeIpSlots, 0);
  std::uint64_t ip = ipOrSlot;
  if (type == RecordType::StackNodeCachedIp) {
    if (ipOrSlot >= format::kNodeIpSlots) malformed(type, at);
    ip = st.nodeIps[ipOrSlot];
  } else {
    st.nodeIps[format::nodeIpSlot(ip)] = ip;
  }
  st.lastNodeId = id;
  st.lastGeneration = generation;
  m_sink.onStackNode(StackNode{static_cast<std::uint32_t>(id),
                               static_cast<std::uint32_t>(id - parentDistance), ip,
                               static_cast<std::uint32_t>(generation)});
}

StreamDecoder::StreamState& StreamDecoder::streamState(std::uint32_t stream) {
  if (stream != m_cachedStream) {
    m_cached = &m_streams[stream];
    m_cachedStream = stream;
  }
  return *m_cached;
}

void StreamDecoder::decodeChunk(std::uint32_t stream, const std::uint8_t* data, std::size_t size) {
  RowSource source(data, size);
  decodeRecords(stream, source);
}

void StreamDecoder::decodeSplitChunk(std::uint32_t stream, ColumnSource& source) {
  decodeRecords(stream, source);
  if (!source.exact()) {
    throw LogError("corrupt record: the last record runs past its chunk at chunk offset " +
                   std::to_string(source.offset()));
  }
}

template <typename Source>
void StreamDecoder::decodeRecords(std::uint32_t stream, Source& d) {
  StreamState& st = streamState(stream);
  while (!d.atEnd()) {
    const std::size_t at = d.offset();
    std::uint8_t rawType = 0;
    // (A row's type byte is always there; a split chunk's may be missing, or of a type that
    // has no column layout.)
    if (!d.type(&rawType)) malformed(static_cast<RecordType>(rawType), at);
    const auto type = static_cast<RecordType>(rawType);
    ++m_records;
    if (rawType >= format::kAllocBase) {
      decodeHeapEvent(st, stream, rawType, d, at);
      m_sawTrailer = false;
      continue;
    }
    switch (type) {
      case RecordType::SeqGap: {
        std::uint64_t seqDelta = 0;
        need(d.varint(&seqDelta), type, at);
        st.lastSeq += seqDelta;
        HeapEvent e;
        e.seq = st.lastSeq;
        e.kind = HeapEventKind::Gap;
        e.stream = stream;  // a gap keeps its place in its own stream's order
        m_merger.push(e);
        break;
      }
      case RecordType::StackNode: {
        std::uint64_t id = 0, parent = 0, ip = 0, generation = 0;
        need(d.varint(&id) && d.varint(&parent) && d.varint(&ip) && d.varint(&generation), type,
             at);
        m_sink.onStackNode(StackNode{narrow32(id, type, at), narrow32(parent, type, at), ip,
                                     narrow32(generation, type, at)});
        break;
      }
      case RecordType::StackNodeCachedIp:
      case RecordType::StackNodeNewIp:
        decodePackedNode(st, type, d, at);
        break;
      case RecordType::ThreadStart: {
        std::uint64_t tid = 0;
        need(d.varint(&tid), type, at);
        st = StreamState{};
        m_sink.onThreadStart(stream, tid);
        break;
      }
      case RecordType::Process: {
        ProcessInfo p;
        std::uint64_t monotonic = 0, argc = 0;
        std::string_view exe;
        need(d.varint(&p.pid) && d.varint(&p.ppid) && d.varint(&p.startRealtimeUs) &&
                 d.varint(&monotonic) && d.varint(&p.pageSize) && d.varint(&p.sampleHz) &&
                 d.string(&exe) && d.varint(&argc) && argc < 1000000,
             type, at);
        p.exe = std::string(exe);
        for (std::uint64_t i = 0; i < argc; ++i) {
          std::string_view arg;
          need(d.string(&arg), type, at);
          p.argv.emplace_back(arg);
        }
        m_sawProcess = true;
        m_sink.onProcess(p);
        break;
      }
      case RecordType::Modules: {
        ModuleSnapshot snapshot;
        std::uint64_t generation = 0, count = 0;
        need(d.varint(&generation) && d.varint(&count) && count < 1000000, type, at);
        snapshot.generation = narrow32(generation, type, at);
        for (std::uint64_t i = 0; i < count; ++i) {
          Module m;
          std::string_view path, buildId;
          std::uint64_t segments = 0;
          need(d.string(&path) && d.varint(&m.base) && d.string(&buildId) && d.varint(&segments) &&
                   segments < 4096,
               type, at);
          m.path = std::string(path);
          m.buildId = std::string(buildId);
          for (std::uint64_t s = 0; s < segments; ++s) {
            Segment seg;
            std::uint64_t flags = 0;
            need(d.varint(&seg.vaddr) && d.varint(&seg.memsz) && d.varint(&flags), type, at);
            seg.flags = static_cast<std::uint32_t>(flags);
            m.segments.push_back(seg);
          }
          snapshot.modules.push_back(std::move(m));
        }
        m_sink.onModules(snapshot);
        break;
      }
      case RecordType::Rss: {
        std::uint64_t t = 0, rss = 0;
        need(d.varint(&t) && d.varint(&rss), type, at);
        m_sink.onRss(t, rss);
        break;
      }
      case RecordType::PeakRss: {
        std::uint64_t bytes = 0;
        need(d.varint(&bytes), type, at);
        m_sink.onPeakRss(bytes);
        break;
      }
      case RecordType::Exit: {
        std::uint64_t kind = 0, value = 0, t = 0;
        need(d.varint(&kind) && d.varint(&value) && d.varint(&t) && kind <= 2, type, at);
        m_sink.onExit(ExitInfo{static_cast<format::ExitKind>(kind), value, t});
        break;
      }
      case RecordType::Sample: {
        std::uint64_t timeDelta = 0, stack = 0, weight = 0;
        need(d.varint(&timeDelta) && d.varint(&stack) && d.varint(&weight), type, at);
        st.lastSampleTimeUs += timeDelta;
        m_sink.onSample(Sample{st.lastSampleTimeUs, narrow32(stack, type, at), stream, weight});
        break;
      }
      case RecordType::ThreadSample: {
        std::uint64_t sampled = 0, stack = 0, weight = 0;
        std::int64_t timeDelta = 0;
        need(d.varint(&sampled) && d.zigzag(&timeDelta) && d.varint(&stack) && d.varint(&weight),
             type, at);
        const auto t = static_cast<std::int64_t>(st.lastSampleTimeUs) + timeDelta;
        st.lastSampleTimeUs = t > 0 ? static_cast<std::uint64_t>(t) : 0;
        m_sink.onSample(Sample{st.lastSampleTimeUs, narrow32(stack, type, at),
                               narrow32(sampled, type, at), weight});
        break;
      }
      case RecordType::SamplerInfo: {
        SamplerInfo info;
        std::uint64_t clock = 0;
        std::string_view note;
        need(d.varint(&info.requestedHz) && d.varint(&info.achievedHz) && d.varint(&clock) &&
                 d.string(&note),
             type, at);
        info.clock = static_cast<std::uint32_t>(clock);
        info.note = std::string(note);
        m_sink.onSamplerInfo(info);
        break;
      }
      case RecordType::ThreadName: {
        std::string_view name;
        need(d.string(&name), type, at);
        m_sink.onThreadName(stream, std::string(name));
        break;
      }
      case RecordType::LeakKinds: {
        std::uint64_t count = 0;
        need(d.varint(&count) && count <= d.remaining(), type, at);
        std::vector<LeakVerdict> verdicts;
        verdicts.reserve(count);
        std::uint64_t ptr = 0;
        for (std::uint64_t i = 0; i < count; ++i) {
          std::int64_t delta = 0;
          std::uint64_t kind = 0;
          need(d.zigzag(&delta) && d.varint(&kind) && kind <= 3, type, at);
          ptr += static_cast<std::uint64_t>(delta);
          verdicts.push_back(LeakVerdict{ptr, static_cast<format::LeakKind>(kind)});
        }
        m_sink.onLeakVerdicts(verdicts);
        break;
      }
      case RecordType::Trailer: {
        std::uint64_t total = 0;
        need(d.varint(&total), type, at);
        m_sawTrailer = true;
        break;
      }
      default:
        throw LogError("corrupt record: unknown type " + std::to_string(rawType) +
                       " at chunk offset " + std::to_string(at));
    }
    // Anything after a trailer (an exec that failed, and the program went on) reopens the log.
    if (type != RecordType::Trailer) m_sawTrailer = false;
  }
}

}  // namespace memprof::reader
