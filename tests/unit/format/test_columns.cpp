// SPDX-License-Identifier: MIT
/// @brief Block encoding 2: splitting a payload into columns and joining it back is exact for
/// every record kind, chunks the split cannot handle stay whole, and corrupt column data is
/// refused without reading or writing out of bounds.
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <random>
#include <vector>

#include "memprof/format/columns.h"
#include "memprof/format/decoder.h"
#include "memprof/format/encoder.h"
#include "memprof/format/records.h"

namespace fmt = memprof::format;

namespace {

using Bytes = std::vector<std::uint8_t>;

/// Appends a chunk (varint stream, varint length, records) to @p payload.
void chunk(Bytes& payload, std::uint32_t stream, const Bytes& records) {
  std::uint8_t head[24];
  fmt::Encoder e(head, sizeof head);
  e.varint(stream).varint(records.size());
  payload.insert(payload.end(), head, head + e.size());
  payload.insert(payload.end(), records.begin(), records.end());
}

/// A thread stream's records of every kind the recorder writes, with random field values
/// (small and 64-bit wide, so varints of every length occur).
Bytes threadRecords(std::mt19937_64& rng, int count) {
  Bytes out;
  auto value = [&rng]() -> std::uint64_t {
    switch (rng() % 4) {
      case 0:
        return rng() % 2;
      case 1:
        return rng() % 300;
      case 2:
        return rng() % 100000;
      default:
        return rng();
    }
  };
  auto signedValue = [&]() { return static_cast<std::int64_t>(value()) * (rng() % 2 ? 1 : -1); };
  for (int i = 0; i < count; ++i) {
    std::uint8_t buf[128];
    fmt::Encoder e(buf, sizeof buf);
    const auto fn = static_cast<std::uint8_t>(rng() % static_cast<unsigned>(fmt::AllocFn::Count));
    switch (rng() % 12) {
      case 0:
        e.u8(fmt::kAllocBase + fn)
            .varint(value())
            .varint(value())
            .varint(value())
            .zigzag(signedValue())
            .zigzag(signedValue());
        break;
      case 1:
        e.u8(fmt::kFreeBase + fn).varint(value()).varint(value()).zigzag(signedValue());
        break;
      case 2:
        e.u8(fmt::kFreeRecentBase + fn).varint(value()).varint(value()).varint(value());
        break;
      case 3:
        e.u8(fmt::kAllocReuseBase + fn)
            .varint(value())
            .varint(value())
            .varint(value())
            .varint(value())
            .zigzag(signedValue());
        break;
      case 4:
        e.type(fmt::RecordType::SeqGap).varint(value());
        break;
      case 5:
        e.type(fmt::RecordType::StackNode)
            .varint(value())
            .varint(value())
            .varint(value())
            .varint(value());
        break;
      case 6:
        e.type(fmt::RecordType::Sample).varint(value()).varint(value()).varint(value());
        break;
      case 7:
        e.type(fmt::RecordType::ThreadSample)
            .varint(value())
            .zigzag(signedValue())
            .varint(value())
            .varint(value());
        break;
      case 8:
        e.type(fmt::RecordType::ThreadName).string(i % 2 ? "worker" : "");
        break;
      case 9:
        e.type(fmt::RecordType::StackNodeCachedIp)
            .varint(value())
            .varint(value())
            .varint(value())
            .zigzag(signedValue());
        break;
      case 10:
        e.type(fmt::RecordType::StackNodeNewIp)
            .varint(value())
            .varint(value())
            .varint(value())
            .zigzag(signedValue());
        break;
      default:
        e.type(fmt::RecordType::ThreadStart).varint(value());
        break;
    }
    BOOST_REQUIRE(e.ok());
    out.insert(out.end(), buf, buf + e.size());
  }
  return out;
}

std::size_t splitInto(const Bytes& payload, std::size_t size, Bytes& columns) {
  Bytes scratch(fmt::columnsScratchBound(payload.size()));
  return fmt::splitColumns(payload.data(), size, scratch.data(), scratch.size(), columns.data(),
                           columns.size());
}

Bytes split(const Bytes& payload) {
  Bytes columns(fmt::columnsBound(payload.size()));
  const std::size_t n = splitInto(payload, payload.size(), columns);
  columns.resize(n);
  return columns;
}

std::size_t join(const Bytes& columns, Bytes& out) {
  return fmt::joinColumns(columns.data(), columns.size(), out.data(), out.size());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(columns)

BOOST_AUTO_TEST_CASE(split_then_join_isExact_forEveryRecordKind) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 50; ++round) {
    Bytes payload;
    const int chunks = 1 + static_cast<int>(rng() % 8);
    for (int c = 0; c < chunks; ++c) {
      const auto stream = static_cast<std::uint32_t>(rng() % 4);  // stream 0 stays whole
      chunk(payload, stream, threadRecords(rng, 1 + static_cast<int>(rng() % 200)));
    }
    const Bytes columns = split(payload);
    BOOST_REQUIRE(!columns.empty());
    Bytes back(payload.size());
    BOOST_TEST(join(columns, back) == payload.size());
    BOOST_TEST(back == payload, "round " << round);
  }
}

BOOST_AUTO_TEST_CASE(chunkWithUnknownRecord_staysWhole_andRoundTrips) {
  std::mt19937_64 rng(11);
  Bytes records = threadRecords(rng, 20);
  records.push_back(3);  // type 3 is not a record: the chunk cannot be split
  records.push_back(0);
  Bytes payload;
  chunk(payload, 5, records);
  chunk(payload, 6, threadRecords(rng, 20));
  const Bytes columns = split(payload);
  BOOST_REQUIRE(!columns.empty());
  Bytes back(payload.size());
  BOOST_TEST(join(columns, back) == payload.size());
  BOOST_TEST(back == payload);
}

BOOST_AUTO_TEST_CASE(fieldsOfOneKind_areStoredTogether) {
  // 1000 identical allocations: each column is one repeated value, so the transformed payload
  // is about as large as the original but grouped (what zstd's entropy stage benefits from).
  Bytes records;
  for (int i = 0; i < 1000; ++i) {
    std::uint8_t buf[32];
    fmt::Encoder e(buf, sizeof buf);
    e.u8(fmt::kAllocBase).varint(1).varint(0).varint(300).zigzag(-64).zigzag(0);
    records.insert(records.end(), buf, buf + e.size());
  }
  Bytes payload;
  chunk(payload, 1, records);
  const Bytes columns = split(payload);
  BOOST_REQUIRE(columns.size() > 1000U);
  BOOST_TEST(columns.size() < payload.size() + 40);
  // The types column (after the header) is 1000 copies of the Alloc type byte in a row.
  const auto at = std::search_n(columns.begin(), columns.end(), 1000, fmt::kAllocBase);
  BOOST_TEST((at != columns.end()));
}

BOOST_AUTO_TEST_CASE(version2Layout_withoutNodeColumns_stillJoins) {
  // A version-2 block has 9 columns: the node columns did not exist, kColOther came 9th.
  // Build one from a split of records that leave the node columns empty.
  Bytes records;
  for (int i = 0; i < 50; ++i) {
    std::uint8_t buf[64];
    fmt::Encoder e(buf, sizeof buf);
    e.type(fmt::RecordType::StackNode).varint(i + 1).varint(i).varint(0x401000 + i).varint(0);
    records.insert(records.end(), buf, buf + e.size());
    fmt::Encoder a(buf, sizeof buf);
    a.u8(fmt::kAllocBase).varint(1).varint(0).varint(300 + i).zigzag(-64).zigzag(1);
    records.insert(records.end(), buf, buf + a.size());
  }
  Bytes payload;
  chunk(payload, 1, records);
  const Bytes v3 = split(payload);
  fmt::Decoder d(v3.data(), v3.data() + v3.size());
  std::uint64_t count = 0;
  BOOST_REQUIRE(d.varint(&count));
  BOOST_REQUIRE(count == fmt::kColumnCount);
  std::vector<std::uint64_t> sizes(count);
  for (auto& n : sizes) BOOST_REQUIRE(d.varint(&n));
  BOOST_REQUIRE(sizes[fmt::kColNodeId] == 0U);
  BOOST_REQUIRE(sizes[fmt::kColNodeParent] == 0U);
  BOOST_REQUIRE(sizes[fmt::kColNodeIp] == 0U);
  std::uint8_t head[128];
  fmt::Encoder h(head, sizeof head);
  h.varint(fmt::kLegacyColumnCount);
  for (std::size_t c = 0; c < fmt::kColumnCount; ++c) {
    if (c < fmt::kColNodeId || c == fmt::kColOther) h.varint(sizes[c]);
  }
  Bytes v2(head, head + h.size());
  v2.insert(v2.end(), v3.begin() + static_cast<long>(d.offset()), v3.end());
  Bytes back(payload.size());
  BOOST_TEST(join(v2, back) == payload.size());
  BOOST_TEST(back == payload);
  // Any other column count is corrupt.
  v2[0] = 10;
  BOOST_TEST(join(v2, back) != payload.size());
}

BOOST_AUTO_TEST_CASE(malformedPayload_isNotSplit) {
  Bytes payload{1, 200, 32};  // a chunk claiming 200 bytes with 1
  Bytes columns(fmt::columnsBound(payload.size()));
  BOOST_TEST(splitInto(payload, payload.size(), columns) == 0U);
  BOOST_TEST(splitInto(payload, 0, columns) == 0U);
}

BOOST_AUTO_TEST_CASE(corruptColumns_areRefused_neverOverrun) {
  std::mt19937_64 rng(3);
  Bytes payload;
  chunk(payload, 1, threadRecords(rng, 100));
  chunk(payload, 0, threadRecords(rng, 10));
  chunk(payload, 2, threadRecords(rng, 100));
  const Bytes good = split(payload);
  BOOST_REQUIRE(!good.empty());
  std::size_t refused = 0;
  for (std::size_t cut = 0; cut < good.size(); ++cut) {  // every truncation
    Bytes columns(good.begin(), good.begin() + static_cast<long>(cut));
    Bytes back(payload.size());
    if (join(columns, back) != payload.size()) ++refused;
  }
  BOOST_TEST(refused == good.size());
  for (int i = 0; i < 2000; ++i) {  // random byte flips: refused, or a payload of the same size
    Bytes columns = good;
    columns[rng() % columns.size()] ^= static_cast<std::uint8_t>(1 + rng() % 255);
    Bytes back(payload.size());
    const std::size_t n = join(columns, back);
    BOOST_TEST((n == ~std::size_t{0} || n <= back.size()));
  }
}

BOOST_AUTO_TEST_SUITE_END()
