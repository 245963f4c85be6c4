// SPDX-License-Identifier: MIT
/// @brief Which column each field of a record goes to when a chunk is split (see columns.h).
///
/// One table, shared by the split (the recorder), the join, and the reader, which decodes
/// split chunks straight from their columns: so the three cannot disagree on a layout.
/// Thread-safety: constant data.
#pragma once

#include <cstdint>
#include <initializer_list>

#include "memprof/format/records.h"

namespace memprof::format {

enum Column : std::uint8_t {
  kColChunks = 0,
  kColTypes,  ///< one type byte per record of a split chunk
  kColSeq,    ///< heap seqDelta, SeqGap seqDelta
  kColTime,   ///< heap timeDelta
  kColSize,   ///< Alloc/AllocReuse size
  kColAddr,   ///< Alloc/Free ptrDelta (zigzag)
  kColDist,   ///< AllocReuse/FreeRecent distance
  kColStack,  ///< Alloc/AllocReuse stackDelta (zigzag)
  // Version 3 added these three (StackNodeCachedIp/StackNodeNewIp fields). A version-2 block
  // has 9 columns: the ones above, then kColOther.
  kColNodeId,      ///< packed node idGap and generationDelta
  kColNodeParent,  ///< packed node parentDistance
  kColNodeIp,      ///< packed node ip slot or ip
  kColOther,       ///< every other field, and whole chunks; always the last column
  kColumnCount
};

/// A field of a record: which column it goes to; strings are a varint length + bytes.
struct ColumnField {
  Column column = kColOther;
  bool string = false;
};

/// The fields after the type byte of one record type, in record order.
struct ColumnSchema {
  bool known = false;         ///< false: a chunk holding this type is kept whole
  bool fast = false;          ///< known, and no string field
  std::uint32_t columns = 0;  ///< bit c set: a field in column c
  std::uint8_t count = 0;
  ColumnField fields[5] = {};
};

namespace column_schema_detail {

constexpr ColumnField V(Column c) { return ColumnField{c, false}; }

constexpr ColumnSchema make(std::initializer_list<ColumnField> fields) {
  ColumnSchema s;
  s.known = true;
  s.fast = true;
  for (const ColumnField f : fields) {
    s.fields[s.count++] = f;
    if (f.string) s.fast = false;
    s.columns |= 1U << f.column;
  }
  return s;
}

/// The record types a thread stream holds; unknown for anything else.
constexpr ColumnSchema schemaFor(unsigned type) {
  if (type >= kAllocBase) {
    const unsigned fn = (type - kAllocBase) % 32U;
    if (fn >= static_cast<unsigned>(AllocFn::Count)) return ColumnSchema{};
    switch ((type - kAllocBase) / 32U) {
      case 0:
        return make({V(kColSeq), V(kColTime), V(kColSize), V(kColAddr), V(kColStack)});
      case 1:
        return make({V(kColSeq), V(kColTime), V(kColAddr)});
      case 2:
        return make({V(kColSeq), V(kColTime), V(kColDist)});
      case 3:
        return make({V(kColSeq), V(kColTime), V(kColSize), V(kColDist), V(kColStack)});
      default:
        return ColumnSchema{};
    }
  }
  switch (static_cast<RecordType>(type)) {
    case RecordType::ThreadStart:
      return make({V(kColOther)});
    case RecordType::SeqGap:
      return make({V(kColSeq)});
    case RecordType::StackNode:
      return make({V(kColOther), V(kColOther), V(kColOther), V(kColOther)});
    case RecordType::Sample:
      return make({V(kColOther), V(kColOther), V(kColOther)});
    case RecordType::ThreadName:
      return make({ColumnField{kColOther, true}});
    case RecordType::ThreadSample:
      return make({V(kColOther), V(kColOther), V(kColOther), V(kColOther)});
    case RecordType::StackNodeCachedIp:
    case RecordType::StackNodeNewIp:
      return make({V(kColNodeId), V(kColNodeParent), V(kColNodeIp), V(kColNodeId)});
    default:
      return ColumnSchema{};
  }
}

struct SchemaTable {
  ColumnSchema byType[256];
};

constexpr SchemaTable makeTable() {
  SchemaTable t{};
  for (unsigned type = 0; type < 256; ++type) t.byType[type] = schemaFor(type);
  return t;
}

inline constexpr SchemaTable kTable = makeTable();

}  // namespace column_schema_detail

/// The layout of records of type @p type in a split chunk.
constexpr const ColumnSchema& columnSchema(std::uint8_t type) noexcept {
  return column_schema_detail::kTable.byType[type];
}

}  // namespace memprof::format
