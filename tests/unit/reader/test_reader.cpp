// SPDX-License-Identifier: MIT
/// @brief Unit tests of memprof_reader: hand-built logs (memprof_format Encoder + zstd) read
/// through readLog() into a recording EventSink.
#define BOOST_TEST_MODULE test_reader
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <array>
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "memprof/format/columns.h"
#include "memprof/format/encoder.h"
#include "memprof/format/records.h"
#include "memprof/reader/events.h"
#include "memprof/reader/log_reader.h"

namespace fs = std::filesystem;
namespace fmt = memprof::format;
using memprof::reader::EventSink;
using memprof::reader::HeapEvent;
using memprof::reader::HeapEventKind;
using memprof::reader::LogError;
using memprof::reader::readLog;
using memprof::reader::ReadSummary;

namespace {

using Bytes = std::vector<std::uint8_t>;

/// Appends records of one stream chunk, encoded with the format library's Encoder.
class Records {
 public:
  template <typename F>
  Records& rec(F&& fill) {
    std::array<std::uint8_t, 4096> tmp{};
    fmt::Encoder e(tmp.data(), tmp.size());
    fill(e);
    BOOST_REQUIRE(e.ok());
    m_bytes.insert(m_bytes.end(), tmp.begin(), tmp.begin() + static_cast<long>(e.size()));
    return *this;
  }
  Records& process(std::uint64_t pid, const std::string& exe, const std::vector<std::string>& argv,
                   std::uint64_t sampleHz = 997) {
    return rec([&](fmt::Encoder& e) {
      e.type(fmt::RecordType::Process)
          .varint(pid)
          .varint(1)
          .varint(1700000000000000ULL)
          .varint(5)
          .varint(4096)
          .varint(sampleHz)
          .string(exe)
          .varint(argv.size());
      for (const auto& a : argv) e.string(a);
    });
  }
  Records& threadStart(std::uint64_t tid) {
    return rec([&](fmt::Encoder& e) { e.type(fmt::RecordType::ThreadStart).varint(tid); });
  }
  /// Heap events carry their AllocFn in the type byte (kAllocBase/kFreeBase/kFreeRecentBase + fn).
  Records& alloc(std::uint64_t seqDelta, std::uint64_t timeDelta, std::uint64_t size,
                 std::int64_t ptrDelta, std::int64_t stackDelta,
                 fmt::AllocFn fn = fmt::AllocFn::Malloc) {
    return rec([&](fmt::Encoder& e) {
      e.u8(heapType(fmt::kAllocBase, fn))
          .varint(seqDelta)
          .varint(timeDelta)
          .varint(size)
          .zigzag(ptrDelta)
          .zigzag(stackDelta);
    });
  }
  Records& free(std::uint64_t seqDelta, std::uint64_t timeDelta, std::int64_t ptrDelta,
                fmt::AllocFn fn = fmt::AllocFn::Free) {
    return rec([&](fmt::Encoder& e) {
      e.u8(heapType(fmt::kFreeBase, fn)).varint(seqDelta).varint(timeDelta).zigzag(ptrDelta);
    });
  }
  /// Free of the stream's Alloc number (allocCount - distance).
  Records& freeRecent(std::uint64_t seqDelta, std::uint64_t timeDelta, std::uint64_t distance,
                      fmt::AllocFn fn = fmt::AllocFn::Free) {
    return rec([&](fmt::Encoder& e) {
      e.u8(heapType(fmt::kFreeRecentBase, fn)).varint(seqDelta).varint(timeDelta).varint(distance);
    });
  }
  static std::uint8_t heapType(std::uint8_t base, fmt::AllocFn fn) {
    return static_cast<std::uint8_t>(base + static_cast<std::uint8_t>(fn));
  }
  Records& seqGap(std::uint64_t seqDelta) {
    return rec([&](fmt::Encoder& e) { e.type(fmt::RecordType::SeqGap).varint(seqDelta); });
  }
  Records& stackNode(std::uint64_t id, std::uint64_t parent, std::uint64_t ip) {
    return rec([&](fmt::Encoder& e) {
      e.type(fmt::RecordType::StackNode).varint(id).varint(parent).varint(ip).varint(1);
    });
  }
  /// Version 3's packed node: the ip from the stream's cache (slot) or written out.
  Records& packedNode(std::uint64_t idGap, std::uint64_t parentDistance, std::uint64_t ipOrSlot,
                      std::int64_t generationDelta, bool cached) {
    return rec([&](fmt::Encoder& e) {
      e.type(cached ? fmt::RecordType::StackNodeCachedIp : fmt::RecordType::StackNodeNewIp)
          .varint(idGap)
          .varint(parentDistance)
          .varint(ipOrSlot)
          .zigzag(generationDelta);
    });
  }
  Records& rss(std::uint64_t timeDelta, std::uint64_t bytes) {
    return rec(
        [&](fmt::Encoder& e) { e.type(fmt::RecordType::Rss).varint(timeDelta).varint(bytes); });
  }
  Records& exit(fmt::ExitKind kind, std::uint64_t value, std::uint64_t timeUs) {
    return rec([&](fmt::Encoder& e) {
      e.type(fmt::RecordType::Exit)
          .varint(static_cast<std::uint64_t>(kind))
          .varint(value)
          .varint(timeUs);
    });
  }
  Records& trailer(std::uint64_t total) {
    return rec([&](fmt::Encoder& e) { e.type(fmt::RecordType::Trailer).varint(total); });
  }
  Records& rawByte(std::uint8_t b) {
    m_bytes.push_back(b);
    return *this;
  }
  [[nodiscard]] const Bytes& bytes() const { return m_bytes; }

 private:
  Bytes m_bytes;
};

/// A block payload: a sequence of chunks (varint stream, varint length, bytes).
class Payload {
 public:
  Payload& chunk(std::uint32_t stream, const Records& r) {
    std::array<std::uint8_t, 32> head{};
    fmt::Encoder e(head.data(), head.size());
    e.varint(stream).varint(r.bytes().size());
    m_bytes.insert(m_bytes.end(), head.begin(), head.begin() + static_cast<long>(e.size()));
    m_bytes.insert(m_bytes.end(), r.bytes().begin(), r.bytes().end());
    return *this;
  }
  [[nodiscard]] const Bytes& bytes() const { return m_bytes; }

 private:
  Bytes m_bytes;
};

/// A whole log file: header then blocks (raw or zstd), checksum = FNV-1a 32 of the stored bytes.
class LogFile {
 public:
  LogFile() {
    m_bytes.resize(fmt::kFileHeaderSize);
    fmt::writeFileHeader(m_bytes.data());
  }
  LogFile& block(const Payload& p, fmt::BlockEncoding encoding = fmt::BlockEncoding::Raw,
                 bool corruptColumns = false,
                 const std::function<void(Bytes&)>& mutateColumns = {}) {
    Bytes stored;
    Bytes input = p.bytes();
    const bool streamed = encoding == fmt::BlockEncoding::ZstdColumnsStream;
    if (encoding == fmt::BlockEncoding::ZstdColumns || streamed) {
      input.resize(fmt::columnsBound(p.bytes().size()));
      Bytes scratch(fmt::columnsScratchBound(p.bytes().size()));
      const std::size_t split =
          fmt::splitColumns(p.bytes().data(), p.bytes().size(), scratch.data(), scratch.size(),
                            input.data(), input.size());
      BOOST_REQUIRE(split > 0U);
      input.resize(split);
      if (corruptColumns) input.pop_back();  // the column sizes no longer add up
      if (mutateColumns) mutateColumns(input);
    }
    if (streamed) {
      // The next piece of this file's stream, flushed at the block's end (as the writer does).
      stored.resize(ZSTD_compressBound(input.size()) + 64);
      ZSTD_inBuffer in{input.data(), input.size(), 0};
      ZSTD_outBuffer out{stored.data(), stored.size(), 0};
      std::size_t left = 0;
      do {
        left = ZSTD_compressStream2(m_stream.get(), &out, &in, ZSTD_e_flush);
        BOOST_REQUIRE(!ZSTD_isError(left));
      } while (left != 0);
      stored.resize(out.pos);
    } else if (encoding != fmt::BlockEncoding::Raw) {
      stored.resize(ZSTD_compressBound(input.size()));
      const std::size_t n =
          ZSTD_compress(stored.data(), stored.size(), input.data(), input.size(), 3);
      BOOST_REQUIRE(!ZSTD_isError(n));
      stored.resize(n);
    } else {
      stored = p.bytes();
    }
    std::array<std::uint8_t, fmt::kBlockHeaderSize> head{};
    fmt::Encoder e(head.data(), head.size());
    e.u8(static_cast<std::uint8_t>(encoding))
        .u32le(static_cast<std::uint32_t>(stored.size()))
        .u32le(static_cast<std::uint32_t>(p.bytes().size()))
        .u32le(fmt::fnv1a32(stored.data(), stored.size()));
    BOOST_REQUIRE(e.ok());
    BOOST_REQUIRE(e.size() == fmt::kBlockHeaderSize);
    m_blockEnds.push_back(m_bytes.size() + head.size() + stored.size());
    m_payloadStarts.push_back(m_bytes.size() + head.size());
    m_bytes.insert(m_bytes.end(), head.begin(), head.end());
    m_bytes.insert(m_bytes.end(), stored.begin(), stored.end());
    return *this;
  }
  [[nodiscard]] const Bytes& bytes() const { return m_bytes; }
  [[nodiscard]] Bytes& bytes() { return m_bytes; }
  [[nodiscard]] const std::vector<std::size_t>& blockEnds() const { return m_blockEnds; }
  [[nodiscard]] const std::vector<std::size_t>& payloadStarts() const { return m_payloadStarts; }

 private:
  struct CctxDeleter {
    void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
  };
  std::shared_ptr<ZSTD_CCtx> m_stream{ZSTD_createCCtx(), CctxDeleter{}};
  Bytes m_bytes;
  std::vector<std::size_t> m_blockEnds;
  std::vector<std::size_t> m_payloadStarts;
};

class RecordingSink : public EventSink {
 public:
  void onProcess(const memprof::reader::ProcessInfo& p) override { processes.push_back(p); }
  void onThreadStart(std::uint32_t stream, std::uint64_t tid) override {
    threadStarts.emplace_back(stream, tid);
  }
  void onStackNode(const memprof::reader::StackNode& n) override { nodes.push_back(n); }
  void onHeapEvent(const HeapEvent& e) override { heap.push_back(e); }
  void onRss(std::uint64_t t, std::uint64_t b) override { rss.emplace_back(t, b); }
  void onExit(const memprof::reader::ExitInfo& e) override { exits.push_back(e); }
  void onSample(const memprof::reader::Sample& s) override { samples.push_back(s); }

  std::vector<memprof::reader::Sample> samples;
  std::vector<memprof::reader::ProcessInfo> processes;
  std::vector<std::pair<std::uint32_t, std::uint64_t>> threadStarts;
  std::vector<memprof::reader::StackNode> nodes;
  std::vector<HeapEvent> heap;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> rss;
  std::vector<memprof::reader::ExitInfo> exits;
};

/// A private temporary directory, removed with everything in it at the end of the test.
struct TempDir {
  TempDir() {
    dir = fs::temp_directory_path() /
          ("memprof-test-reader-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  static int& counter() {
    static int n = 0;
    return n;
  }
  [[nodiscard]] std::string write(const std::string& name, const Bytes& bytes,
                                  std::size_t count = ~std::size_t{0}) const {
    const fs::path p = dir / name;
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(std::min(count, bytes.size())));
    BOOST_REQUIRE(out.good());
    return p.string();
  }
  fs::path dir;
};

/// Process block, then a zstd block of heap events from two threads, then the trailer.
LogFile smallValidLog() {
  Records proc;
  proc.process(4242, "/usr/bin/app", {"./app", "--flag"})
      .stackNode(1, 0, 0x401000)
      .stackNode(2, 1, 0x402000);
  Records t1;
  t1.threadStart(100).alloc(0, 10, 64, 0x10000, 2).alloc(2, 5, 32, 0x100, 0);
  Records t2;
  t2.threadStart(101).alloc(1, 12, 16, 0x20000, 1).free(2, 10, 0);
  Records end;
  end.rss(50, 1 << 20).exit(fmt::ExitKind::Exited, 0, 60).trailer(4);
  LogFile log;
  log.block(Payload().chunk(0, proc));
  log.block(Payload().chunk(2, t2).chunk(1, t1), fmt::BlockEncoding::Zstd);
  log.block(Payload().chunk(0, end));
  return log;
}

std::string readExpectingError(const std::string& path) {
  RecordingSink sink;
  try {
    readLog(path, sink);
  } catch (const LogError& e) {
    return e.what();
  }
  BOOST_ERROR("readLog(" << path << ") did not throw LogError");
  return {};
}

bool contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

}  // namespace

namespace {

/// Every callback, written out in order: two reads of the same log must give equal transcripts.
class TranscriptSink : public EventSink {
 public:
  void onProcess(const memprof::reader::ProcessInfo& p) override {
    m_out << "process " << p.pid << ' ' << p.exe << '\n';
  }
  void onThreadStart(std::uint32_t stream, std::uint64_t tid) override {
    m_out << "thread " << stream << ' ' << tid << '\n';
  }
  void onThreadName(std::uint32_t stream, const std::string& name) override {
    m_out << "name " << stream << ' ' << name << '\n';
  }
  void onStackNode(const memprof::reader::StackNode& n) override {
    m_out << "node " << n.id << ' ' << n.parent << ' ' << n.ip << ' ' << n.generation << '\n';
  }
  void onHeapEvent(const HeapEvent& e) override {
    m_out << "heap " << e.seq << ' ' << e.timeUs << ' ' << e.ptr << ' ' << e.size << ' ' << e.stack
          << ' ' << e.stream << ' ' << static_cast<int>(e.kind) << ' ' << static_cast<int>(e.fn)
          << '\n';
  }
  void onRss(std::uint64_t t, std::uint64_t b) override {
    m_out << "rss " << t << ' ' << b << '\n';
  }
  void onSample(const memprof::reader::Sample& s) override {
    m_out << "sample " << s.timeUs << ' ' << s.stack << ' ' << s.stream << ' ' << s.weight << '\n';
  }
  void onExit(const memprof::reader::ExitInfo& e) override {
    m_out << "exit " << static_cast<int>(e.kind) << ' ' << e.value << '\n';
  }
  void onEndOfLog() override { m_out << "end\n"; }
  [[nodiscard]] std::string text() const { return m_out.str(); }

 private:
  std::ostringstream m_out;
};

/// A thread stream's chunks of random records of every kind a split chunk may hold, valid for
/// the reader (ring distances within what the stream has written, ids growing).
class RandomThread {
 public:
  RandomThread(std::uint64_t seed, std::uint32_t tid) : m_rng(seed), m_tid(tid) {}
  Records chunk(int records) {
    Records r;
    if (!m_started) {
      r.threadStart(m_tid);
      m_started = true;
    }
    for (int i = 0; i < records; ++i) add(r);
    return r;
  }

 private:
  std::uint64_t value() {
    switch (m_rng() % 4) {
      case 0:
        return m_rng() % 2;
      case 1:
        return m_rng() % 300;
      case 2:
        return m_rng() % 100000;
      default:
        return m_rng() >> 8;
    }
  }
  fmt::AllocFn fn() {
    return static_cast<fmt::AllocFn>(m_rng() % static_cast<unsigned>(fmt::AllocFn::Count));
  }
  void add(Records& r) {
    switch (m_rng() % 11) {
      case 0:
      case 1:
        r.alloc(1 + m_rng() % 3, value(), value(), static_cast<std::int64_t>(value()) - 5000,
                static_cast<std::int64_t>(m_rng() % 7), fn());
        ++m_allocs;
        break;
      case 2:
        r.free(1, value(), -static_cast<std::int64_t>(value()), fn());
        ++m_frees;
        break;
      case 3:
        if (m_allocs == 0) return;
        r.freeRecent(1, value(), 1 + m_rng() % std::min<std::uint64_t>(m_allocs, 16384), fn());
        ++m_frees;
        break;
      case 4:
        if (m_frees == 0) return;
        r.rec([&](fmt::Encoder& e) {
          e.u8(Records::heapType(fmt::kAllocReuseBase, fn()))
              .varint(1)
              .varint(value())
              .varint(value())
              .varint(1 + m_rng() % std::min<std::uint64_t>(m_frees, 4096))
              .zigzag(static_cast<std::int64_t>(m_rng() % 5));
        });
        ++m_allocs;
        break;
      case 5:
        r.seqGap(1 + m_rng() % 4);
        break;
      case 6:
        r.packedNode(m_rng() % 3, 1 + m_rng() % (m_lastNode + 1), m_rng() % 2 ? value() : 0,
                     static_cast<std::int64_t>(m_rng() % 2), false);
        m_lastNode += 1;
        break;
      case 7:
        r.rec([&](fmt::Encoder& e) {
          e.type(fmt::RecordType::Sample).varint(value()).varint(m_rng() % 50).varint(1);
        });
        break;
      case 8:
        r.rec([&](fmt::Encoder& e) {
          e.type(fmt::RecordType::ThreadSample)
              .varint(m_tid)
              .zigzag(static_cast<std::int64_t>(value() % 1000))
              .varint(m_rng() % 50)
              .varint(1 + m_rng() % 3);
        });
        break;
      case 9:
        r.rec([&](fmt::Encoder& e) {
          e.type(fmt::RecordType::ThreadName).string("worker-" + std::to_string(m_rng() % 100));
        });
        break;
      default:
        r.stackNode(1000000 + m_rng() % 1000, m_rng() % 1000, value());
        break;
    }
  }
  std::mt19937_64 m_rng;
  std::uint32_t m_tid;
  bool m_started = false;
  std::uint64_t m_allocs = 0;
  std::uint64_t m_frees = 0;
  std::uint64_t m_lastNode = 0;
};

/// A log of random thread chunks in @p blocks blocks of @p encoding (same seed, same records).
LogFile randomLog(fmt::BlockEncoding encoding, std::uint64_t seed, int blocks,
                  const std::function<void(Bytes&)>& mutate = {}) {
  LogFile log;
  Records proc;
  proc.process(7, "/usr/bin/app", {"app"});
  log.block(Payload().chunk(0, proc), encoding);
  RandomThread a(seed, 11), b(seed + 1, 12);
  for (int i = 0; i < blocks; ++i) {
    Payload p;
    p.chunk(1, a.chunk(40 + i)).chunk(2, b.chunk(7));
    Records odd;  // a record a split chunk cannot hold: this chunk stays whole
    odd.rss(5, 4096);
    p.chunk(3, odd).chunk(1, a.chunk(3));
    log.block(p, encoding, false, mutate);
  }
  Records end;
  end.exit(fmt::ExitKind::Exited, 0, 1).trailer(0);
  log.block(Payload().chunk(0, end), encoding);
  return log;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(LogReader)

BOOST_AUTO_TEST_CASE(readLog_processRecord_isDelivered) {
  TempDir tmp;
  RecordingSink sink;
  const ReadSummary s = readLog(tmp.write("a.mprof", smallValidLog().bytes()), sink);
  BOOST_REQUIRE(sink.processes.size() == 1U);
  const auto& p = sink.processes.front();
  BOOST_TEST(p.pid == 4242U);
  BOOST_TEST(p.ppid == 1U);
  BOOST_TEST(p.pageSize == 4096U);
  BOOST_TEST(p.sampleHz == 997U);
  BOOST_TEST(p.exe == "/usr/bin/app");
  BOOST_TEST(p.argv == (std::vector<std::string>{"./app", "--flag"}),
             boost::test_tools::per_element());
  BOOST_TEST(!s.truncated);
  BOOST_TEST(s.blocks == 3U);
  BOOST_TEST(s.heapEvents == 4U);
  BOOST_TEST(s.fileBytes == smallValidLog().bytes().size());
  BOOST_TEST(s.warnings.empty());
}

BOOST_AUTO_TEST_CASE(readLog_validLog_deliversEveryRecordKind) {
  TempDir tmp;
  RecordingSink sink;
  readLog(tmp.write("a.mprof", smallValidLog().bytes()), sink);
  BOOST_REQUIRE(sink.nodes.size() == 2U);
  BOOST_TEST(sink.nodes[1].id == 2U);
  BOOST_TEST(sink.nodes[1].parent == 1U);
  BOOST_TEST(sink.nodes[1].ip == 0x402000U);
  BOOST_TEST(sink.threadStarts.size() == 2U);
  BOOST_REQUIRE(sink.rss.size() == 1U);
  BOOST_TEST(sink.rss[0].second == (1U << 20));
  BOOST_REQUIRE(sink.exits.size() == 1U);
  BOOST_TEST(static_cast<int>(sink.exits[0].kind) == static_cast<int>(fmt::ExitKind::Exited));
  BOOST_TEST(sink.exits[0].timeUs == 60U);
}

BOOST_AUTO_TEST_CASE(readLog_threadSamples_countAsSamplesOfTheNamedStream) {
  // The sampler stream (3) writes samples of streams 1 and 2, times as zigzag deltas that may
  // go back (threads' rings are read one after the other); stream 1 also has its own Sample.
  Records proc;
  proc.process(7, "/bin/app", {"app"});
  Records t1;
  t1.threadStart(100).rec(
      [](fmt::Encoder& e) { e.type(fmt::RecordType::Sample).varint(500).varint(2).varint(1); });
  Records sampler;
  sampler.threadStart(99)
      .stackNode(1, 0, 0x401000)
      .stackNode(2, 1, 0x402000)
      .rec([](fmt::Encoder& e) {
        e.type(fmt::RecordType::ThreadSample).varint(1).zigzag(1000).varint(2).varint(1);
      })
      .rec([](fmt::Encoder& e) {
        e.type(fmt::RecordType::ThreadSample).varint(2).zigzag(-400).varint(1).varint(3);
      });
  Records end;
  end.trailer(0);
  LogFile log;
  log.block(Payload().chunk(0, proc).chunk(1, t1).chunk(3, sampler).chunk(0, end));
  TempDir tmp;
  RecordingSink sink;
  readLog(tmp.write("s.mprof", log.bytes()), sink);
  BOOST_REQUIRE(sink.samples.size() == 3U);
  std::sort(sink.samples.begin(), sink.samples.end(),
            [](const auto& a, const auto& b) { return a.timeUs < b.timeUs; });
  BOOST_TEST(sink.samples[0].stream == 1U);  // its own Sample at 500 us
  BOOST_TEST(sink.samples[0].timeUs == 500U);
  BOOST_TEST(sink.samples[1].stream == 2U);  // 1000 - 400
  BOOST_TEST(sink.samples[1].timeUs == 600U);
  BOOST_TEST(sink.samples[1].stack == 1U);
  BOOST_TEST(sink.samples[1].weight == 3U);
  BOOST_TEST(sink.samples[2].stream == 1U);
  BOOST_TEST(sink.samples[2].timeUs == 1000U);
  BOOST_TEST(sink.samples[2].stack == 2U);
}

BOOST_AUTO_TEST_CASE(readLog_streamsInterleavedOutOfOrder_deliversInSequenceOrder) {
  // Stream 2's chunk (seq 1, 3) comes before stream 1's chunk (seq 0, 2) in the file.
  TempDir tmp;
  RecordingSink sink;
  readLog(tmp.write("a.mprof", smallValidLog().bytes()), sink);
  BOOST_REQUIRE(sink.heap.size() == 4U);
  for (std::size_t i = 0; i < sink.heap.size(); ++i) BOOST_TEST(sink.heap[i].seq == i);
  // seq 0: stream 1 alloc 64 @0x10000 stack 2, t=10
  BOOST_TEST(sink.heap[0].stream == 1U);
  BOOST_TEST(sink.heap[0].ptr == 0x10000U);
  BOOST_TEST(sink.heap[0].size == 64U);
  BOOST_TEST(sink.heap[0].stack == 2U);
  BOOST_TEST(sink.heap[0].timeUs == 10U);
  BOOST_TEST((sink.heap[0].kind == HeapEventKind::Alloc));
  // seq 1: stream 2 alloc 16 @0x20000 stack 1, t=12
  BOOST_TEST(sink.heap[1].stream == 2U);
  BOOST_TEST(sink.heap[1].ptr == 0x20000U);
  BOOST_TEST(sink.heap[1].stack == 1U);
  // seq 2: stream 1 alloc 32 @0x10100, stack unchanged (delta 0), t=15
  BOOST_TEST(sink.heap[2].stream == 1U);
  BOOST_TEST(sink.heap[2].ptr == 0x10100U);
  BOOST_TEST(sink.heap[2].size == 32U);
  BOOST_TEST(sink.heap[2].stack == 2U);
  BOOST_TEST(sink.heap[2].timeUs == 15U);
  // seq 3: stream 2 free of 0x20000 (ptr delta 0), t=22
  BOOST_TEST(sink.heap[3].stream == 2U);
  BOOST_TEST((sink.heap[3].kind == HeapEventKind::Free));
  BOOST_TEST(sink.heap[3].ptr == 0x20000U);
  BOOST_TEST(sink.heap[3].timeUs == 22U);
}

BOOST_AUTO_TEST_CASE(readLog_rawAndZstdBlocks_decodeIdentically) {
  auto build = [](fmt::BlockEncoding enc) {
    Records proc;
    proc.process(1, "x", {});
    Records t1;
    t1.alloc(0, 1, 10, 0x1000, 1).alloc(1, 1, 20, 0x10, 0).free(1, 1, -0x10).trailer(3);
    LogFile log;
    log.block(Payload().chunk(0, proc), enc);
    log.block(Payload().chunk(1, t1), enc);
    return log;
  };
  TempDir tmp;
  RecordingSink raw, zstd;
  readLog(tmp.write("raw.mprof", build(fmt::BlockEncoding::Raw).bytes()), raw);
  readLog(tmp.write("zstd.mprof", build(fmt::BlockEncoding::Zstd).bytes()), zstd);
  BOOST_REQUIRE(raw.heap.size() == 3U);
  BOOST_REQUIRE(zstd.heap.size() == 3U);
  for (std::size_t i = 0; i < 3; ++i) {
    BOOST_TEST(raw.heap[i].seq == zstd.heap[i].seq);
    BOOST_TEST(raw.heap[i].ptr == zstd.heap[i].ptr);
    BOOST_TEST(raw.heap[i].size == zstd.heap[i].size);
  }
  BOOST_TEST(raw.heap[2].ptr == 0x1000U);
}

BOOST_AUTO_TEST_CASE(readLog_columnBlocks_decodeLikeZstdBlocks) {
  TempDir tmp;
  auto build = [](fmt::BlockEncoding enc) {
    Records proc;
    proc.process(4242, "/usr/bin/app", {"./app"}).stackNode(1, 0, 0x401000);
    Records t1;
    t1.threadStart(100)
        .alloc(0, 10, 64, 0x10000, 1)
        .alloc(1, 5, 32, 0x100, 0)
        .free(1, 3, -0x100)
        .freeRecent(1, 2, 1);
    Records end;
    end.exit(fmt::ExitKind::Exited, 0, 60).trailer(4);
    LogFile log;
    log.block(Payload().chunk(0, proc).chunk(1, t1).chunk(0, end), enc);
    return log;
  };
  RecordingSink zstd, columns;
  readLog(tmp.write("z.mprof", build(fmt::BlockEncoding::Zstd).bytes()), zstd);
  const auto s =
      readLog(tmp.write("c.mprof", build(fmt::BlockEncoding::ZstdColumns).bytes()), columns);
  BOOST_TEST(!s.truncated);
  BOOST_REQUIRE(columns.heap.size() == 4U);
  BOOST_REQUIRE(zstd.heap.size() == 4U);
  for (std::size_t i = 0; i < 4; ++i) {
    BOOST_TEST(columns.heap[i].seq == zstd.heap[i].seq);
    BOOST_TEST(columns.heap[i].ptr == zstd.heap[i].ptr);
    BOOST_TEST(columns.heap[i].size == zstd.heap[i].size);
    BOOST_TEST(columns.heap[i].stack == zstd.heap[i].stack);
  }
  BOOST_TEST(columns.exits.size() == 1U);
}

BOOST_AUTO_TEST_CASE(readLog_streamedColumnBlocks_decodeInOrder_andCutShortReadsUpToTheCut) {
  // Three blocks of one zstd stream; the later ones repeat the first's records, so they are
  // compressed as matches into earlier blocks and decode only with them.
  Records proc;
  proc.process(4242, "/usr/bin/app", {"./app"}).packedNode(0, 1, 0x401000, 0, false);
  LogFile log;
  log.block(Payload().chunk(0, proc), fmt::BlockEncoding::ZstdColumnsStream);
  Records t1;
  t1.threadStart(100);
  for (int i = 0; i < 300; ++i) t1.alloc(1, 1, 64 + i % 7, 0x40, 1).freeRecent(1, 0, 1);
  Records t1b;
  for (int i = 0; i < 300; ++i) t1b.alloc(1, 1, 64 + i % 7, 0x40, 0).freeRecent(1, 0, 1);
  log.block(Payload().chunk(1, t1), fmt::BlockEncoding::ZstdColumnsStream);
  log.block(Payload().chunk(1, t1b), fmt::BlockEncoding::ZstdColumnsStream);
  Records end;
  end.exit(fmt::ExitKind::Exited, 0, 900).trailer(1200);
  log.block(Payload().chunk(0, end), fmt::BlockEncoding::ZstdColumnsStream);
  TempDir tmp;
  RecordingSink sink;
  const ReadSummary s = readLog(tmp.write("s.mprof", log.bytes()), sink);
  BOOST_TEST(!s.truncated);
  BOOST_TEST(sink.heap.size() == 1200U);
  BOOST_TEST(sink.nodes.size() == 1U);
  BOOST_TEST(sink.exits.size() == 1U);
  BOOST_TEST(sink.heap.back().seq == 1200U);
  // Cut inside the third block: the first two are read, with a warning.
  RecordingSink cut;
  const ReadSummary c = readLog(tmp.write("cut.mprof", log.bytes(), log.blockEnds()[2] - 3), cut);
  BOOST_TEST(c.truncated);
  BOOST_TEST(cut.heap.size() == 600U);
  // The same stream pieces in another order are corrupt, never misread.
  Bytes swapped = log.bytes();
  const auto& starts = log.payloadStarts();
  const auto& ends = log.blockEnds();
  Bytes b2(swapped.begin() + static_cast<long>(starts[1] - fmt::kBlockHeaderSize),
           swapped.begin() + static_cast<long>(ends[1]));
  Bytes b3(swapped.begin() + static_cast<long>(starts[2] - fmt::kBlockHeaderSize),
           swapped.begin() + static_cast<long>(ends[2]));
  Bytes reordered(swapped.begin(), swapped.begin() + static_cast<long>(ends[0]));
  reordered.insert(reordered.end(), b3.begin(), b3.end());
  reordered.insert(reordered.end(), b2.begin(), b2.end());
  reordered.insert(reordered.end(), swapped.begin() + static_cast<long>(ends[2]), swapped.end());
  const std::string msg = readExpectingError(tmp.write("reordered.mprof", reordered));
  BOOST_TEST(contains(msg, "corrupt"), msg);
}

BOOST_AUTO_TEST_CASE(readLog_streamedBlockInVersion2Log_throwsCorrupt) {
  Records proc;
  proc.process(1, "x", {});
  LogFile log;
  log.block(Payload().chunk(0, proc), fmt::BlockEncoding::ZstdColumnsStream);
  Bytes bytes = log.bytes();
  bytes[8] = 2;
  TempDir tmp;
  const std::string msg = readExpectingError(tmp.write("v2s.mprof", bytes));
  BOOST_TEST(contains(msg, "corrupt block header"), msg);
}

BOOST_AUTO_TEST_CASE(readLog_columnBlockWithCorruptColumns_throwsCorrupt) {
  Records proc;
  proc.process(1, "x", {});
  Records t1;
  t1.threadStart(1).alloc(0, 1, 8, 0x5000, 0).alloc(1, 1, 8, 0x40, 0);
  LogFile log;
  log.block(Payload().chunk(0, proc).chunk(1, t1), fmt::BlockEncoding::ZstdColumns, true);
  TempDir tmp;
  const std::string what = readExpectingError(tmp.write("bad.mprof", log.bytes()));
  BOOST_TEST(what.find("corrupt") != std::string::npos, what);
}

BOOST_AUTO_TEST_CASE(readLog_deltaStateAcrossBlocks_continuesPerStream) {
  Records proc;
  proc.process(1, "x", {});
  Records a1, a2;
  a1.alloc(0, 100, 8, 0x5000, 3);
  a2.alloc(1, 1, 8, 0x40, -1).trailer(2);  // seq 1, t 101, ptr 0x5040, stack 2
  LogFile log;
  log.block(Payload().chunk(0, proc).chunk(7, a1));
  log.block(Payload().chunk(7, a2));
  TempDir tmp;
  RecordingSink sink;
  const auto s = readLog(tmp.write("a.mprof", log.bytes()), sink);
  BOOST_TEST(!s.truncated);
  BOOST_REQUIRE(sink.heap.size() == 2U);
  BOOST_TEST(sink.heap[1].seq == 1U);
  BOOST_TEST(sink.heap[1].timeUs == 101U);
  BOOST_TEST(sink.heap[1].ptr == 0x5040U);
  BOOST_TEST(sink.heap[1].stack == 2U);
  BOOST_TEST(sink.heap[1].stream == 7U);
}

BOOST_AUTO_TEST_CASE(readLog_freeRecent_resolvesPointerOfEarlierAlloc) {
  Records proc;
  proc.process(1, "x", {});
  Records t1;
  t1.threadStart(9)
      .alloc(0, 1, 10, 0x1000, 1)                 // alloc #0 @0x1000
      .alloc(1, 1, 20, 0x1000, 0)                 // alloc #1 @0x2000
      .alloc(1, 1, 30, 0x1000, 0)                 // alloc #2 @0x3000
      .freeRecent(1, 1, 2, fmt::AllocFn::Delete)  // allocCount 3 - 2 = #1: 0x2000
      .freeRecent(1, 1, 1)                        // #2: 0x3000
      // FreeRecent leaves the pointer delta state alone (as preload/src/recorder.cpp writes it):
      // this Free's delta is against 0x3000, the last Alloc's pointer.
      .free(1, 1, -0x2000);  // 0x1000
  Records end;
  end.trailer(6);
  LogFile log;
  log.block(Payload().chunk(0, proc).chunk(1, t1).chunk(0, end));
  TempDir tmp;
  RecordingSink sink;
  const auto s = readLog(tmp.write("a.mprof", log.bytes()), sink);
  BOOST_TEST(!s.truncated);
  BOOST_REQUIRE(sink.heap.size() == 6U);
  BOOST_TEST((sink.heap[3].kind == HeapEventKind::Free));
  BOOST_TEST(sink.heap[3].ptr == 0x2000U);
  BOOST_TEST((sink.heap[3].fn == fmt::AllocFn::Delete));
  BOOST_TEST(sink.heap[4].ptr == 0x3000U);
  BOOST_TEST(sink.heap[5].ptr == 0x1000U);
  BOOST_TEST((sink.heap[2].fn == fmt::AllocFn::Malloc));
}

/// @p count allocations of 16 bytes, seq 0, 1, ...: allocation #i at 0x100000 + 16 i, stack 1.
static Records sequentialAllocs(std::uint64_t count) {
  Records t;
  t.alloc(0, 1, 16, 0x100000, 1);
  for (std::uint64_t i = 1; i < count; ++i) t.alloc(1, 0, 16, 16, 0);
  return t;
}

BOOST_AUTO_TEST_CASE(readLog_freeRecentAtRingDistance_resolvesAcrossRingWrap) {
  // More allocations than the recent ring holds; distances 1 and kRecentRing are both valid.
  constexpr std::uint64_t kAllocs = fmt::kRecentRing + 900;
  Records proc;
  proc.process(1, "x", {});
  Records t1 = sequentialAllocs(kAllocs);
  t1.freeRecent(1, 0, fmt::kRecentRing).freeRecent(1, 0, 1);
  Records end;
  end.trailer(kAllocs + 2);
  LogFile log;
  log.block(Payload().chunk(0, proc).chunk(1, t1).chunk(0, end), fmt::BlockEncoding::Zstd);
  TempDir tmp;
  RecordingSink sink;
  readLog(tmp.write("a.mprof", log.bytes()), sink);
  BOOST_REQUIRE(sink.heap.size() == kAllocs + 2);
  BOOST_TEST(sink.heap[kAllocs].ptr == 0x100000U + 16 * (kAllocs - fmt::kRecentRing));
  BOOST_TEST(sink.heap[kAllocs + 1].ptr == 0x100000U + 16 * (kAllocs - 1));
}

BOOST_AUTO_TEST_CASE(readLog_ringDistances_areBoundedByTheLogsVersion) {
  // Version 3 rings: 16384 allocations, 4096 frees; versions 1 and 2: 4096 and 256. A log
  // whose distances fit the newer rings only is read as version 3 and corrupt as version 2.
  constexpr std::uint64_t kAllocs = fmt::kRecentRingV2 + 100;
  Records proc;
  proc.process(1, "x", {});
  Records t1 = sequentialAllocs(kAllocs);
  t1.freeRecent(1, 0, fmt::kRecentRingV2 + 1);  // frees #99
  for (std::uint64_t i = 0; i < fmt::kFreedRingV2; ++i) t1.freeRecent(1, 0, 1);
  // An AllocReuse of the address freed first, kFreedRingV2 + 1 frees ago.
  t1.rec([](fmt::Encoder& e) {
    e.u8(fmt::kAllocReuseBase)
        .varint(1)
        .varint(0)
        .varint(16)
        .varint(fmt::kFreedRingV2 + 1)
        .zigzag(0);
  });
  LogFile log;
  log.block(Payload().chunk(0, proc).chunk(1, t1), fmt::BlockEncoding::Zstd);
  TempDir tmp;
  RecordingSink sink;
  const std::string v3 = tmp.write("v3.mprof", log.bytes());
  readLog(v3, sink);
  BOOST_REQUIRE(sink.heap.size() == kAllocs + 1 + fmt::kFreedRingV2 + 1);
  BOOST_TEST(sink.heap[kAllocs].ptr == 0x100000U + 16 * 99);
  BOOST_TEST(sink.heap.back().ptr == 0x100000U + 16 * 99);
  Bytes bytes = log.bytes();
  bytes[8] = 2;
  const std::string msg = readExpectingError(tmp.write("v2.mprof", bytes));
  BOOST_TEST(contains(msg, "corrupt"), msg);
}

BOOST_AUTO_TEST_CASE(readLog_freeRecentWithBadDistance_throwsCorrupt) {
  for (std::uint64_t distance :
       {std::uint64_t{0}, std::uint64_t{5}, std::uint64_t{fmt::kRecentRing} + 1}) {
    Records proc;
    proc.process(1, "x", {});
    Records t1;
    t1.alloc(0, 1, 10, 0x1000, 1).alloc(1, 1, 10, 0x10, 0).freeRecent(1, 1, distance);
    LogFile log;
    log.block(Payload().chunk(0, proc).chunk(1, t1));
    TempDir tmp;
    const std::string msg = readExpectingError(tmp.write("a.mprof", log.bytes()));
    BOOST_TEST(contains(msg, "corrupt"), "distance " << distance << ": " << msg);
  }
}

BOOST_AUTO_TEST_CASE(readLog_seqGap_numbersAreSkippedSilently) {
  // Stream 1: seq 0, gap 1, seq 2. Stream 2: gap 3 then seq 4, written first in the file.
  Records proc;
  proc.process(1, "x", {});
  Records t1, t2;
  t1.alloc(0, 1, 8, 0x1000, 1).seqGap(1).alloc(1, 1, 8, 0x10, 0);
  t2.seqGap(3).free(1, 5, 0x1000);
  Records end;
  end.trailer(3);
  LogFile log;
  log.block(Payload().chunk(0, proc).chunk(2, t2).chunk(1, t1).chunk(0, end));
  TempDir tmp;
  RecordingSink sink;
  const auto s = readLog(tmp.write("a.mprof", log.bytes()), sink);
  BOOST_REQUIRE(sink.heap.size() == 3U);
  BOOST_TEST(sink.heap[0].seq == 0U);
  BOOST_TEST(sink.heap[1].seq == 2U);
  BOOST_TEST(sink.heap[2].seq == 4U);
  BOOST_TEST((sink.heap[2].kind == HeapEventKind::Free));
  for (const auto& e : sink.heap) BOOST_TEST((e.kind != HeapEventKind::Gap));
  BOOST_TEST(s.warnings.empty(), "gaps are not lost events");
  BOOST_TEST(!s.truncated);
}

BOOST_AUTO_TEST_CASE(readLog_missingSequenceNumber_deliversRestWithWarning) {
  Records proc;
  proc.process(1, "x", {});
  Records t1;
  t1.alloc(0, 1, 8, 0x1000, 1).alloc(2, 1, 8, 0x10, 0).trailer(2);  // seq 0, 2: 1 never written
  LogFile log;
  log.block(Payload().chunk(0, proc).chunk(1, t1));
  TempDir tmp;
  RecordingSink sink;
  const auto s = readLog(tmp.write("a.mprof", log.bytes()), sink);
  BOOST_REQUIRE(sink.heap.size() == 2U);
  BOOST_TEST(sink.heap[1].seq == 2U);
  BOOST_TEST(s.warnings.size() == 1U);
}

BOOST_AUTO_TEST_CASE(readLog_missingTrailer_reportsTruncated) {
  Records proc;
  proc.process(1, "x", {});
  Records t1;
  t1.alloc(0, 1, 8, 0x1000, 1);
  LogFile log;
  log.block(Payload().chunk(0, proc).chunk(1, t1));
  TempDir tmp;
  RecordingSink sink;
  const auto s = readLog(tmp.write("a.mprof", log.bytes()), sink);
  BOOST_TEST(s.truncated);
  BOOST_TEST(!s.truncationNote.empty());
  BOOST_TEST(sink.heap.size() == 1U);
}

BOOST_AUTO_TEST_CASE(readLog_recordsAfterTrailer_reportTruncated) {
  // A trailer followed by more records (exec failed, the program went on) is not an end.
  Records proc;
  proc.process(1, "x", {});
  proc.trailer(0).rss(1, 4096);
  LogFile log;
  log.block(Payload().chunk(0, proc));
  TempDir tmp;
  RecordingSink sink;
  BOOST_TEST(readLog(tmp.write("a.mprof", log.bytes()), sink).truncated);
}

BOOST_AUTO_TEST_CASE(readLog_cutAtEveryOffset_throwsLogErrorOrReportsTruncated) {
  const LogFile log = smallValidLog();
  const Bytes& full = log.bytes();
  const std::size_t firstBlockEnd = log.blockEnds().front();
  TempDir tmp;
  for (std::size_t cut = 0; cut < full.size(); ++cut) {
    const std::string path = tmp.write("cut.mprof", full, cut);
    RecordingSink sink;
    bool threw = false;
    ReadSummary s;
    try {
      s = readLog(path, sink);
    } catch (const LogError& e) {
      threw = true;
      BOOST_TEST(std::string(e.what()).size() > 0U);
    } catch (const std::exception& e) {
      BOOST_ERROR("cut at " << cut << ": unexpected exception type: " << e.what());
      continue;
    }
    if (cut < firstBlockEnd) {
      // Inside the header, or before the first block is complete: nothing usable.
      BOOST_TEST(threw, "cut at " << cut << " (first block ends at " << firstBlockEnd << ")");
    } else {
      BOOST_TEST(!threw, "cut at " << cut << " threw");
      if (!threw) {
        BOOST_TEST(s.truncated, "cut at " << cut);
        BOOST_TEST(!s.truncationNote.empty(), "cut at " << cut);
        BOOST_TEST(sink.processes.size() == 1U, "cut at " << cut);
        // Whatever heap events arrived are in order.
        for (std::size_t i = 1; i < sink.heap.size(); ++i) {
          BOOST_TEST(sink.heap[i - 1].seq < sink.heap[i].seq, "cut at " << cut);
        }
      }
    }
  }
  // And the uncut file reads cleanly.
  RecordingSink sink;
  BOOST_TEST(!readLog(tmp.write("full.mprof", full), sink).truncated);
}

BOOST_AUTO_TEST_CASE(readLog_cutInsideHeader_saysCutShort) {
  TempDir tmp;
  const std::string msg = readExpectingError(tmp.write("h.mprof", smallValidLog().bytes(), 12));
  BOOST_TEST(contains(msg, "cut short"), msg);
}

BOOST_AUTO_TEST_CASE(readLog_flippedPayloadByte_throwsCorrupt) {
  const LogFile log = smallValidLog();
  TempDir tmp;
  // One byte in each block's payload (the second block is zstd-compressed).
  for (std::size_t b = 0; b < log.payloadStarts().size(); ++b) {
    Bytes bytes = log.bytes();
    bytes[log.payloadStarts()[b] + 1] ^= 0x40;
    const std::string msg = readExpectingError(tmp.write("flip.mprof", bytes));
    BOOST_TEST(contains(msg, "corrupt"), "block " << b << ": " << msg);
  }
}

BOOST_AUTO_TEST_CASE(readLog_validChecksumButGarbageRecord_throwsCorrupt) {
  Records proc;
  proc.process(1, "x", {}).rawByte(0xEE);  // unknown record type
  LogFile log;
  log.block(Payload().chunk(0, proc));
  TempDir tmp;
  const std::string msg = readExpectingError(tmp.write("g.mprof", log.bytes()));
  BOOST_TEST(contains(msg, "corrupt"), msg);
}

BOOST_AUTO_TEST_CASE(readLog_truncatedRecordInsideChunk_throwsCorrupt) {
  Records proc;
  proc.process(1, "x", {})
      .rawByte(Records::heapType(fmt::kAllocBase, fmt::AllocFn::Malloc))
      .rawByte(0);
  LogFile log;
  log.block(Payload().chunk(0, proc));
  TempDir tmp;
  const std::string msg = readExpectingError(tmp.write("g.mprof", log.bytes()));
  BOOST_TEST(contains(msg, "corrupt"), msg);
}

BOOST_AUTO_TEST_CASE(readLog_badBlockEncoding_throwsCorrupt) {
  LogFile log = smallValidLog();
  log.bytes()[fmt::kFileHeaderSize] = 7;  // first block's encoding byte
  TempDir tmp;
  const std::string msg = readExpectingError(tmp.write("e.mprof", log.bytes()));
  BOOST_TEST(contains(msg, "corrupt"), msg);
}

BOOST_AUTO_TEST_CASE(readLog_emptyFile_throwsClearError) {
  TempDir tmp;
  const std::string msg = readExpectingError(tmp.write("empty.mprof", {}));
  BOOST_TEST(contains(msg, "empty"), msg);
}

BOOST_AUTO_TEST_CASE(readLog_randomBytes_throwsNotALog) {
  std::mt19937 rng(12345);
  Bytes junk(4096);
  for (auto& b : junk) b = static_cast<std::uint8_t>(rng());
  TempDir tmp;
  const std::string msg = readExpectingError(tmp.write("junk.bin", junk));
  BOOST_TEST(contains(msg, "not a memprof log"), msg);
}

BOOST_AUTO_TEST_CASE(readLog_randomBytesAfterValidHeader_neverCrashes) {
  std::mt19937 rng(777);
  TempDir tmp;
  for (int round = 0; round < 200; ++round) {
    Bytes bytes(fmt::kFileHeaderSize);
    fmt::writeFileHeader(bytes.data());
    const std::size_t n = 1 + rng() % 300;
    for (std::size_t i = 0; i < n; ++i) bytes.push_back(static_cast<std::uint8_t>(rng()));
    RecordingSink sink;
    try {
      readLog(tmp.write("r.mprof", bytes), sink);
    } catch (const LogError&) {
      // expected for garbage
    }
  }
}

BOOST_AUTO_TEST_CASE(readLog_wrongMagic_throwsNotALog) {
  Bytes bytes = smallValidLog().bytes();
  bytes[0] = 'X';
  TempDir tmp;
  const std::string msg = readExpectingError(tmp.write("magic.mprof", bytes));
  BOOST_TEST(contains(msg, "not a memprof log"), msg);
}

BOOST_AUTO_TEST_CASE(readLog_wrongVersion_namesBothVersions) {
  Bytes bytes = smallValidLog().bytes();
  bytes[8] = 4;  // u32le version: newer than this reader
  TempDir tmp;
  const std::string msg = readExpectingError(tmp.write("v4.mprof", bytes));
  BOOST_TEST(contains(msg, "version 4"), msg);
  BOOST_TEST(contains(msg, "versions 1 to 3"), msg);
  bytes[8] = 0;
  const std::string old = readExpectingError(tmp.write("v0.mprof", bytes));
  BOOST_TEST(contains(old, "version 0"), old);
}

BOOST_AUTO_TEST_CASE(readLog_version1Log_isStillRead) {
  Bytes bytes = smallValidLog().bytes();
  bytes[8] = 1;  // written by memprof before ThreadSample and column blocks existed
  TempDir tmp;
  RecordingSink sink;
  readLog(tmp.write("v1.mprof", bytes), sink);
  BOOST_TEST(sink.heap.size() == 4U);
}

BOOST_AUTO_TEST_CASE(readLog_packedStackNodes_decodeIdsParentsIpsAndGenerations) {
  const std::uint64_t ipA = 0x401234, ipB = 0x7f0000001000;
  const std::uint32_t slotA = fmt::nodeIpSlot(ipA);
  Records proc;
  proc.process(1, "/bin/x", {"x"});
  Records t1;
  t1.threadStart(7)
      .packedNode(4, 5, ipA, 0, false)    // id 5, parent 0 (a root), ip written out
      .packedNode(0, 1, ipB, 2, false)    // id 6, parent 5, generation 2
      .packedNode(3, 4, slotA, -1, true)  // id 10, parent 6, ipA from the cache, generation 1
      .alloc(0, 1, 8, 0x5000, 10);
  Records t2;  // another stream: its own state, so ipA is not cached there
  t2.threadStart(8).packedNode(10, 11, ipA, 0, false).alloc(1, 1, 8, 0x6000, 11);
  Records end;
  end.exit(fmt::ExitKind::Exited, 0, 9).trailer(2);
  LogFile log;
  log.block(Payload().chunk(0, proc).chunk(1, t1).chunk(2, t2).chunk(0, end),
            fmt::BlockEncoding::ZstdColumns);
  TempDir tmp;
  RecordingSink sink;
  const ReadSummary s = readLog(tmp.write("packed.mprof", log.bytes()), sink);
  BOOST_TEST(!s.truncated);
  BOOST_REQUIRE(sink.nodes.size() == 4U);
  BOOST_TEST(sink.nodes[0].id == 5U);
  BOOST_TEST(sink.nodes[0].parent == 0U);
  BOOST_TEST(sink.nodes[0].ip == ipA);
  BOOST_TEST(sink.nodes[1].id == 6U);
  BOOST_TEST(sink.nodes[1].parent == 5U);
  BOOST_TEST(sink.nodes[1].ip == ipB);
  BOOST_TEST(sink.nodes[1].generation == 2U);
  BOOST_TEST(sink.nodes[2].id == 10U);
  BOOST_TEST(sink.nodes[2].parent == 6U);
  BOOST_TEST(sink.nodes[2].ip == ipA);
  BOOST_TEST(sink.nodes[2].generation == 1U);
  BOOST_TEST(sink.nodes[3].id == 11U);
  BOOST_TEST(sink.nodes[3].parent == 0U);
  BOOST_REQUIRE(sink.heap.size() == 2U);
  BOOST_TEST(sink.heap[0].stack == 10U);
  BOOST_TEST(sink.heap[1].stack == 11U);
}

BOOST_AUTO_TEST_CASE(readLog_badPackedStackNodes_throwCorrupt) {
  auto read = [](const Records& t1, std::uint32_t version) {
    Records proc;
    proc.process(1, "/bin/x", {"x"});
    LogFile log;
    log.block(Payload().chunk(0, proc).chunk(1, t1));
    Bytes bytes = log.bytes();
    bytes[8] = static_cast<std::uint8_t>(version);
    TempDir tmp;
    return readExpectingError(tmp.write("bad.mprof", bytes));
  };
  // parentDistance 0, or beyond the root; a slot outside the cache; a negative generation;
  // and any packed node in a version-2 log.
  for (const auto& t : {Records().threadStart(1).packedNode(0, 0, 0x1000, 0, false),
                        Records().threadStart(1).packedNode(0, 2, 0x1000, 0, false),
                        Records().threadStart(1).packedNode(0, 1, fmt::kNodeIpSlots, 0, true),
                        Records().threadStart(1).packedNode(0, 1, 0x1000, -1, false)}) {
    const std::string msg = read(t, 3);
    BOOST_TEST(contains(msg, "corrupt record"), msg);
  }
  const std::string v2 = read(Records().threadStart(1).packedNode(0, 1, 0x1000, 0, false), 2);
  BOOST_TEST(contains(v2, "corrupt record"), v2);
}

BOOST_AUTO_TEST_CASE(readLog_missingFile_throwsLogError) {
  TempDir tmp;
  const std::string msg = readExpectingError((tmp.dir / "does-not-exist.mprof").string());
  BOOST_TEST(!msg.empty());
}

BOOST_AUTO_TEST_CASE(readLog_directory_throwsLogError) {
  TempDir tmp;
  const std::string msg = readExpectingError(tmp.dir.string());
  BOOST_TEST(contains(msg, "not a regular file"), msg);
}

BOOST_AUTO_TEST_CASE(readLog_headerOnly_throwsLogError) {
  TempDir tmp;
  Bytes header(fmt::kFileHeaderSize);
  fmt::writeFileHeader(header.data());
  const std::string msg = readExpectingError(tmp.write("h.mprof", header));
  BOOST_TEST(contains(msg, "no data"), msg);
}

BOOST_AUTO_TEST_CASE(looksLikeLog_variousFiles_checksMagicOnly) {
  TempDir tmp;
  const Bytes log = smallValidLog().bytes();
  BOOST_TEST(memprof::reader::looksLikeLog(tmp.write("ok.mprof", log)));
  BOOST_TEST(memprof::reader::looksLikeLog(tmp.write("magic.mprof", log, 8)));
  BOOST_TEST(!memprof::reader::looksLikeLog(tmp.write("short.mprof", log, 7)));
  BOOST_TEST(!memprof::reader::looksLikeLog(tmp.write("empty.mprof", {})));
  BOOST_TEST(!memprof::reader::looksLikeLog(
      tmp.write("text.txt", Bytes{'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd'})));
  BOOST_TEST(!memprof::reader::looksLikeLog((tmp.dir / "missing").string()));
}

BOOST_AUTO_TEST_CASE(readLog_columnBlocks_ofRandomRecords_decodeExactlyLikeRowBlocks) {
  // The reader decodes split chunks straight from their columns: every callback must be what
  // the same records give as rows, for every record kind a split chunk holds.
  TempDir tmp;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    TranscriptSink rows, columns, streamed;
    readLog(tmp.write("r.mprof", randomLog(fmt::BlockEncoding::Zstd, seed, 6).bytes()), rows);
    readLog(tmp.write("c.mprof", randomLog(fmt::BlockEncoding::ZstdColumns, seed, 6).bytes()),
            columns);
    readLog(tmp.write("s.mprof", randomLog(fmt::BlockEncoding::ZstdColumnsStream, seed, 6).bytes()),
            streamed);
    BOOST_TEST(rows.text().size() > 1000U);
    BOOST_TEST(columns.text() == rows.text());
    BOOST_TEST(streamed.text() == rows.text());
  }
}

BOOST_AUTO_TEST_CASE(readLog_columnBlocksWithCorruptColumnData_throwOrReadButNeverCrash) {
  // Damage inside the columns themselves (checksums and zstd intact): bytes changed, a byte
  // dropped or added. Whatever the damage, one LogError or a read, never a crash or overrun.
  TempDir tmp;
  std::mt19937_64 rng(99);
  int errors = 0;
  for (int round = 0; round < 300; ++round) {
    const auto mutate = [&rng, round](Bytes& columns) {
      const std::size_t at = rng() % columns.size();
      switch (round % 3) {
        case 0:
          columns[at] = static_cast<std::uint8_t>(rng());
          break;
        case 1:
          columns.erase(columns.begin() + static_cast<long>(at));
          break;
        default:
          columns.insert(columns.begin() + static_cast<long>(at), static_cast<std::uint8_t>(rng()));
          break;
      }
    };
    const LogFile log = randomLog(fmt::BlockEncoding::ZstdColumns, 1000 + round % 7, 2, mutate);
    TranscriptSink sink;
    try {
      readLog(tmp.write("m.mprof", log.bytes()), sink);
    } catch (const LogError&) {
      ++errors;
    }
  }
  BOOST_TEST(errors > 150);  // most damage is found (a changed value byte may read as valid)
}

BOOST_AUTO_TEST_SUITE_END()
