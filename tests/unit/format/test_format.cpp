// SPDX-License-Identifier: MIT
/// @brief Unit tests of memprof_format: varints, zig-zag, Encoder and Decoder bounds.
#define BOOST_TEST_MODULE test_format
#include <array>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string_view>
#include <vector>

#include "memprof/format/decoder.h"
#include "memprof/format/encoder.h"
#include "memprof/format/records.h"
#include "memprof/format/varint.h"

namespace bdata = boost::unit_test::data;
using namespace memprof::format;

namespace {

const std::vector<std::uint64_t> kEdgeValues = {
    0ULL,       1ULL,       127ULL,
    128ULL,     16383ULL,   16384ULL,
    1ULL << 32, 1ULL << 63, std::numeric_limits<std::uint64_t>::max()};
// LEB128 length of each value above: ceil(bits / 7), at least 1.
const std::vector<std::size_t> kEdgeLengths = {1, 1, 1, 2, 2, 3, 5, 10, 10};

}  // namespace

BOOST_AUTO_TEST_SUITE(Varint)

BOOST_DATA_TEST_CASE(encodeDecode_edgeValue_roundTripsWithExpectedLength,
                     bdata::make(kEdgeValues) ^ bdata::make(kEdgeLengths), value, length) {
  std::array<std::uint8_t, kMaxVarintBytes + 4> buf{};
  const std::size_t n = encodeVarint(value, buf.data());
  BOOST_TEST(n == length);
  BOOST_TEST(n <= kMaxVarintBytes);
  // Every byte but the last has the continuation bit, the last has it clear.
  for (std::size_t i = 0; i + 1 < n; ++i) BOOST_TEST((buf[i] & 0x80U) != 0U);
  BOOST_TEST((buf[n - 1] & 0x80U) == 0U);

  const std::uint8_t* cursor = buf.data();
  std::uint64_t decoded = 0xDEADBEEF;
  BOOST_TEST(decodeVarint(&cursor, buf.data() + n, &decoded));
  BOOST_TEST(decoded == value);
  BOOST_TEST(cursor == buf.data() + n);
}

BOOST_DATA_TEST_CASE(decode_truncatedInput_failsWithoutReadingPastEnd,
                     bdata::make(kEdgeValues) ^ bdata::make(kEdgeLengths), value, length) {
  std::array<std::uint8_t, kMaxVarintBytes + 4> buf{};
  const std::size_t n = encodeVarint(value, buf.data());
  BOOST_REQUIRE(n == length);
  // Cut the varint at every length short of complete. The byte right after the cut is a valid
  // terminator (0x00): a decoder that read past `end` would succeed instead of failing.
  for (std::size_t cut = 0; cut < n; ++cut) {
    std::array<std::uint8_t, kMaxVarintBytes + 4> cutBuf{};
    std::memcpy(cutBuf.data(), buf.data(), cut);
    cutBuf[cut] = 0x00;
    const std::uint8_t* cursor = cutBuf.data();
    std::uint64_t decoded = 77;
    BOOST_TEST(!decodeVarint(&cursor, cutBuf.data() + cut, &decoded), "cut at " << cut);
    BOOST_TEST(cursor == cutBuf.data(), "cursor moved on failure, cut at " << cut);
    BOOST_TEST(decoded == 77U, "value written on failure, cut at " << cut);
  }
}

BOOST_AUTO_TEST_CASE(decode_elevenByteVarint_isRejected) {
  // Ten continuation bytes then a terminator: 77 bits, longer than any 64-bit value.
  std::array<std::uint8_t, 11> buf{};
  buf.fill(0x80);
  buf[10] = 0x01;
  const std::uint8_t* cursor = buf.data();
  std::uint64_t v = 5;
  BOOST_TEST(!decodeVarint(&cursor, buf.data() + buf.size(), &v));
  BOOST_TEST(cursor == buf.data());
  BOOST_TEST(v == 5U);
}

BOOST_AUTO_TEST_CASE(decode_tenthByteOverflowing64Bits_isRejected) {
  // 9 x 0xFF then 0x02 would set bit 64.
  std::array<std::uint8_t, 10> buf{};
  buf.fill(0xFF);
  buf[9] = 0x02;
  const std::uint8_t* cursor = buf.data();
  std::uint64_t v = 0;
  BOOST_TEST(!decodeVarint(&cursor, buf.data() + buf.size(), &v));
  BOOST_TEST(cursor == buf.data());
  // ... and 0x01 in the tenth byte is exactly UINT64_MAX.
  buf[9] = 0x01;
  BOOST_TEST(decodeVarint(&cursor, buf.data() + buf.size(), &v));
  BOOST_TEST(v == std::numeric_limits<std::uint64_t>::max());
}

BOOST_AUTO_TEST_CASE(decode_emptyRange_fails) {
  const std::uint8_t byte = 0;
  const std::uint8_t* cursor = &byte;
  std::uint64_t v = 0;
  BOOST_TEST(!decodeVarint(&cursor, &byte, &v));
  BOOST_TEST(cursor == &byte);
}

BOOST_AUTO_TEST_CASE(decode_consecutiveVarints_advancesCursorByEach) {
  std::array<std::uint8_t, 3 * kMaxVarintBytes> buf{};
  std::size_t n = 0;
  n += encodeVarint(300, buf.data() + n);
  n += encodeVarint(0, buf.data() + n);
  n += encodeVarint(1ULL << 40, buf.data() + n);
  const std::uint8_t* cursor = buf.data();
  std::uint64_t a = 0, b = 1, c = 0;
  BOOST_TEST(decodeVarint(&cursor, buf.data() + n, &a));
  BOOST_TEST(decodeVarint(&cursor, buf.data() + n, &b));
  BOOST_TEST(decodeVarint(&cursor, buf.data() + n, &c));
  BOOST_TEST(a == 300U);
  BOOST_TEST(b == 0U);
  BOOST_TEST(c == (1ULL << 40));
  BOOST_TEST(cursor == buf.data() + n);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(ZigZag)

namespace {
const std::vector<std::int64_t> kSigned = {0, -1, 1, std::numeric_limits<std::int64_t>::min(),
                                           std::numeric_limits<std::int64_t>::max()};
const std::vector<std::uint64_t> kZigzagged = {0, 1, 2, std::numeric_limits<std::uint64_t>::max(),
                                               std::numeric_limits<std::uint64_t>::max() - 1};
}  // namespace

BOOST_DATA_TEST_CASE(encode_edgeValue_mapsAndRoundTrips,
                     bdata::make(kSigned) ^ bdata::make(kZigzagged), value, expected) {
  BOOST_TEST(zigzagEncode(value) == expected);
  BOOST_TEST(zigzagDecode(expected) == value);
  BOOST_TEST(zigzagDecode(zigzagEncode(value)) == value);
}

BOOST_AUTO_TEST_CASE(encode_smallMagnitudes_alternateSigns) {
  BOOST_TEST(zigzagEncode(-2) == 3U);
  BOOST_TEST(zigzagEncode(2) == 4U);
  for (std::int64_t v = -1000; v <= 1000; ++v)
    BOOST_TEST_REQUIRE(zigzagDecode(zigzagEncode(v)) == v);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(Encoder)

BOOST_AUTO_TEST_CASE(write_pastCapacity_reportsOverflowAndLeavesGuardBytes) {
  constexpr std::size_t kCapacity = 6;
  std::array<std::uint8_t, 32> buf{};
  buf.fill(0xCC);
  memprof::format::Encoder e(buf.data(), kCapacity);
  e.u8(1).raw("abcd", 4);  // 5 bytes: fits
  BOOST_TEST(e.ok());
  BOOST_TEST(e.size() == 5U);
  e.u32le(0x11223344);  // needs 4, only 1 left
  BOOST_TEST(!e.ok());
  BOOST_TEST(e.size() <= kCapacity);
  e.varint(std::numeric_limits<std::uint64_t>::max()).string("a long string that cannot fit");
  e.u8(9);  // overflow is sticky: nothing more is written
  BOOST_TEST(!e.ok());
  BOOST_TEST(e.size() <= kCapacity);
  for (std::size_t i = kCapacity; i < buf.size(); ++i) {
    BOOST_TEST(buf[i] == 0xCC, "byte " << i << " past capacity was written");
  }
  e.reset();
  BOOST_TEST(e.ok());
  BOOST_TEST(e.size() == 0U);
}

BOOST_AUTO_TEST_CASE(varint_largeValueIntoSmallBuffer_overflowsWithoutWritingPastCapacity) {
  std::array<std::uint8_t, 16> buf{};
  buf.fill(0xCC);
  memprof::format::Encoder e(buf.data(), 3);
  e.varint(std::numeric_limits<std::uint64_t>::max());  // 10 bytes into 3
  BOOST_TEST(!e.ok());
  for (std::size_t i = 3; i < buf.size(); ++i) BOOST_TEST(buf[i] == 0xCC);
}

// The encoder's varint() has an explicit slow path for "fewer than kMaxVarintBytes left": a
// varint that fits in what is left must be written, not reported as overflow.
BOOST_AUTO_TEST_CASE(varint_smallValueNearEndOfBuffer_fitsAndStaysOk) {
  std::array<std::uint8_t, 8> buf{};
  buf.fill(0xCC);
  memprof::format::Encoder e(buf.data(), 3);
  e.varint(1).varint(2).varint(3);
  BOOST_TEST(e.ok());
  BOOST_TEST(e.size() == 3U);
  BOOST_TEST(buf[0] == 1U);
  BOOST_TEST(buf[1] == 2U);
  BOOST_TEST(buf[2] == 3U);
  BOOST_TEST(buf[3] == 0xCC);
}

BOOST_AUTO_TEST_CASE(varint_exactlyFillingCapacity_staysOk) {
  std::array<std::uint8_t, 16> buf{};
  memprof::format::Encoder e(buf.data(), kMaxVarintBytes);
  e.varint(std::numeric_limits<std::uint64_t>::max());
  BOOST_TEST(e.ok());
  BOOST_TEST(e.size() == kMaxVarintBytes);
}

BOOST_AUTO_TEST_CASE(encode_allocRecord_matchesGoldenBytes) {
  std::array<std::uint8_t, 64> buf{};
  memprof::format::Encoder e(buf.data(), buf.size());
  // Alloc: type byte kAllocBase + fn, then seqDelta, timeDeltaUs, size, z ptrDelta, z stackDelta.
  e.u8(static_cast<std::uint8_t>(kAllocBase + static_cast<std::uint8_t>(AllocFn::Calloc)))
      .varint(5)
      .varint(300)
      .varint(128)
      .zigzag(-16)
      .zigzag(3);
  BOOST_REQUIRE(e.ok());
  const std::vector<std::uint8_t> golden = {0x21, 0x05, 0xAC, 0x02, 0x80, 0x01, 0x1F, 0x06};
  const std::vector<std::uint8_t> got(buf.begin(), buf.begin() + static_cast<long>(e.size()));
  BOOST_TEST(got == golden, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(writeFileHeader_always_writesMagicVersionFlags) {
  std::array<std::uint8_t, kFileHeaderSize + 4> buf{};
  buf.fill(0xCC);
  writeFileHeader(buf.data());
  const std::vector<std::uint8_t> golden = {'M', 'E', 'M', 'P', 'R', 'O', 'F', 0x1a,
                                            3,   0,   0,   0,   0,   0,   0,   0};
  const std::vector<std::uint8_t> got(buf.begin(), buf.begin() + kFileHeaderSize);
  BOOST_TEST(got == golden, boost::test_tools::per_element());
  BOOST_TEST(buf[kFileHeaderSize] == 0xCC);
}

BOOST_AUTO_TEST_CASE(u32le_value_isLittleEndian) {
  std::array<std::uint8_t, 4> buf{};
  memprof::format::Encoder e(buf.data(), buf.size());
  e.u32le(0x11223344);
  BOOST_TEST(e.ok());
  BOOST_TEST(buf[0] == 0x44);
  BOOST_TEST(buf[3] == 0x11);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(Decoder)

BOOST_AUTO_TEST_CASE(decode_goldenAllocRecord_yieldsFields) {
  const std::vector<std::uint8_t> golden = {0x21, 0x05, 0xAC, 0x02, 0x80, 0x01, 0x1F, 0x06};
  memprof::format::Decoder d(golden.data(), golden.data() + golden.size());
  std::uint8_t type = 0;
  std::uint64_t seq = 0, time = 0, size = 0;
  std::int64_t ptr = 0, stack = 0;
  BOOST_TEST(d.u8(&type));
  BOOST_TEST(d.varint(&seq));
  BOOST_TEST(d.varint(&time));
  BOOST_TEST(d.varint(&size));
  BOOST_TEST(d.zigzag(&ptr));
  BOOST_TEST(d.zigzag(&stack));
  BOOST_TEST(type >= kAllocBase);
  BOOST_TEST(type - kAllocBase == static_cast<int>(AllocFn::Calloc));
  BOOST_TEST(seq == 5U);
  BOOST_TEST(time == 300U);
  BOOST_TEST(size == 128U);
  BOOST_TEST(ptr == -16);
  BOOST_TEST(stack == 3);
  BOOST_TEST(d.atEnd());
  std::uint8_t extra = 0;
  BOOST_TEST(!d.u8(&extra));
}

BOOST_AUTO_TEST_CASE(string_lengthPastEnd_failsAndRestoresCursor) {
  // Length 10, but only 3 bytes follow.
  const std::vector<std::uint8_t> bytes = {10, 'a', 'b', 'c'};
  memprof::format::Decoder d(bytes.data(), bytes.data() + bytes.size());
  std::string_view s = "untouched";
  BOOST_TEST(!d.string(&s));
  BOOST_TEST(d.offset() == 0U);
  BOOST_TEST(s == "untouched");
  BOOST_TEST(d.remaining() == bytes.size());
}

BOOST_AUTO_TEST_CASE(string_hugeLength_fails) {
  std::array<std::uint8_t, 16> bytes{};
  const std::size_t n = encodeVarint(std::numeric_limits<std::uint64_t>::max(), bytes.data());
  memprof::format::Decoder d(bytes.data(), bytes.data() + n + 2);
  std::string_view s;
  BOOST_TEST(!d.string(&s));
  BOOST_TEST(d.offset() == 0U);
}

BOOST_AUTO_TEST_CASE(string_longerThanMaxLength_fails) {
  std::vector<std::uint8_t> bytes = {5, 'h', 'e', 'l', 'l', 'o'};
  memprof::format::Decoder d(bytes.data(), bytes.data() + bytes.size());
  std::string_view s;
  BOOST_TEST(!d.string(&s, 4));
  BOOST_TEST(d.offset() == 0U);
  BOOST_TEST(d.string(&s, 5));
  BOOST_TEST(s == "hello");
  BOOST_TEST(d.atEnd());
}

BOOST_AUTO_TEST_CASE(string_encoderRoundTrip_preservesBytes) {
  std::array<std::uint8_t, 64> buf{};
  memprof::format::Encoder e(buf.data(), buf.size());
  const std::string_view with_nul("a\0b", 3);
  e.string("").string("/usr/bin/app").string(with_nul);
  BOOST_REQUIRE(e.ok());
  memprof::format::Decoder d(buf.data(), buf.data() + e.size());
  std::string_view a, b, c;
  BOOST_TEST(d.string(&a));
  BOOST_TEST(d.string(&b));
  BOOST_TEST(d.string(&c));
  BOOST_TEST(a.empty());
  BOOST_TEST(b == "/usr/bin/app");
  BOOST_TEST(c == with_nul);
  BOOST_TEST(d.atEnd());
}

BOOST_AUTO_TEST_CASE(bytesAndU32le_pastEnd_fail) {
  const std::vector<std::uint8_t> bytes = {1, 2, 3};
  memprof::format::Decoder d(bytes.data(), bytes.data() + bytes.size());
  std::uint32_t v = 0;
  BOOST_TEST(!d.u32le(&v));
  const std::uint8_t* p = nullptr;
  BOOST_TEST(!d.bytes(&p, 4));
  BOOST_TEST(d.offset() == 0U);
  BOOST_TEST(d.bytes(&p, 3));
  BOOST_TEST(p == bytes.data());
  BOOST_TEST(d.atEnd());
}

BOOST_AUTO_TEST_CASE(varint_truncatedInRecord_failsWithoutMoving) {
  const std::vector<std::uint8_t> bytes = {0x80, 0x80};
  memprof::format::Decoder d(bytes.data(), bytes.data() + bytes.size());
  std::uint64_t v = 0;
  std::int64_t z = 0;
  BOOST_TEST(!d.varint(&v));
  BOOST_TEST(!d.zigzag(&z));
  BOOST_TEST(d.offset() == 0U);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(Checksum)

BOOST_AUTO_TEST_CASE(fnv1a32_knownVectors_match) {
  // Published FNV-1a 32-bit test vectors.
  BOOST_TEST(fnv1a32(nullptr, 0) == 0x811c9dc5U);
  const std::uint8_t a[] = {'a'};
  BOOST_TEST(fnv1a32(a, 1) == 0xe40c292cU);
  const std::uint8_t foobar[] = {'f', 'o', 'o', 'b', 'a', 'r'};
  BOOST_TEST(fnv1a32(foobar, 6) == 0xbf9cf968U);
}

BOOST_AUTO_TEST_CASE(heapTypeRanges_everyAllocFn_fitsWithoutOverlap) {
  constexpr unsigned kFns = static_cast<unsigned>(AllocFn::Count);
  BOOST_TEST(kAllocBase > kMaxRecordType);
  BOOST_TEST(kAllocBase + kFns <= kFreeBase);
  BOOST_TEST(kFreeBase + kFns <= kFreeRecentBase);
  BOOST_TEST(kFreeRecentBase + kFns <= 255U);
  BOOST_TEST((kRecentRing & (kRecentRing - 1)) == 0U, "kRecentRing is a power of two");
}

BOOST_AUTO_TEST_CASE(allocFnName_everyFunction_isNamed) {
  BOOST_TEST(std::string(allocFnName(AllocFn::Malloc)) == "malloc");
  BOOST_TEST(std::string(allocFnName(AllocFn::New)) == "operator new");
  BOOST_TEST(std::string(allocFnName(AllocFn::Count)) == "?");
  for (unsigned f = 0; f < static_cast<unsigned>(AllocFn::Count); ++f) {
    BOOST_TEST(std::string(allocFnName(static_cast<AllocFn>(f))) != "?");
  }
}

BOOST_AUTO_TEST_SUITE_END()
