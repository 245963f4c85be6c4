// SPDX-License-Identifier: MIT
/// @brief Where the decoder reads a chunk's records from: their bytes in order (a row chunk),
/// or the columns of a split chunk (block encodings 2 and 3).
///
/// Why two sources rather than joining the columns back into rows first: the join copied every
/// byte of a block once more before decoding read it, about a sixth of reading a log. Reading a
/// split chunk's fields straight from their columns skips that pass. Both sources give the
/// record decoder the same calls (type, then its fields in record order), so one decoder serves
/// both; the column of each field comes from format::columnSchema, the table the recorder
/// split with. Every read is bounds-checked and reports failure, never reads past a column.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "memprof/format/column_schema.h"
#include "memprof/format/decoder.h"

namespace memprof::reader {

/// A chunk's records as written: type byte, then the fields.
class RowSource {
 public:
  RowSource(const std::uint8_t* data, std::size_t size) : m_d(data, data + size) {}
  [[nodiscard]] bool atEnd() const { return m_d.atEnd(); }
  [[nodiscard]] std::size_t offset() const { return m_d.offset(); }
  [[nodiscard]] std::size_t remaining() const { return m_d.remaining(); }
  bool type(std::uint8_t* t) { return m_d.u8(t); }
  bool varint(std::uint64_t* v) { return m_d.varint(v); }
  bool zigzag(std::int64_t* v) { return m_d.zigzag(v); }
  bool string(std::string_view* s) { return m_d.string(s); }
  /// A varint field that a split chunk keeps in column @p C (rows ignore it).
  template <format::Column C>
  bool field(std::uint64_t* v) {
    return m_d.varint(v);
  }

 private:
  format::Decoder m_d;
};

/// A split chunk: each record's type byte from kColTypes, its fields from the columns its
/// schema names. @p columns: one decoder per column, shared by all chunks of the block (each
/// chunk continues where the previous one stopped). @p length: the chunk's size as rows; the
/// source counts the bytes it hands out against it, so offsets in errors are row offsets.
class ColumnSource {
 public:
  ColumnSource(format::Decoder* columns, std::size_t length) : m_cols(columns), m_length(length) {}
  [[nodiscard]] bool atEnd() const { return m_used >= m_length; }
  [[nodiscard]] std::size_t offset() const { return m_used; }
  [[nodiscard]] std::size_t remaining() const { return m_used < m_length ? m_length - m_used : 0; }
  /// True once the records filled the chunk exactly (no record ran past its end).
  [[nodiscard]] bool exact() const { return m_used == m_length; }

  /// The next record's type; false if the types column is exhausted, if the type has no
  /// column layout (a split chunk cannot hold it), or if the previous record was not read
  /// to its last field.
  bool type(std::uint8_t* t) {
    if (m_field != m_schema->count || !m_cols[format::kColTypes].u8(t)) return false;
    m_schema = &format::columnSchema(*t);
    m_field = 0;
    ++m_used;
    return m_schema->known;
  }
  bool varint(std::uint64_t* v) {
    if (m_field >= m_schema->count) return false;
    format::Decoder& d = m_cols[m_schema->fields[m_field++].column];
    const std::size_t before = d.offset();
    if (!d.varint(v)) return false;
    m_used += d.offset() - before;
    return true;
  }
  bool zigzag(std::int64_t* v) {
    std::uint64_t u = 0;
    if (!varint(&u)) return false;
    *v = format::zigzagDecode(u);
    return true;
  }
  /// The next field, known at compile time to sit in column @p C (heap events, the bulk of a
  /// log: no schema lookup). The caller checks @p C against the schema with static_assert.
  template <format::Column C>
  bool field(std::uint64_t* v) {
    format::Decoder& d = m_cols[C];
    const std::size_t before = d.offset();
    if (!d.varint(v)) return false;
    ++m_field;
    m_used += d.offset() - before;
    return true;
  }
  bool string(std::string_view* s) {
    if (m_field >= m_schema->count || !m_schema->fields[m_field].string) return false;
    format::Decoder& d = m_cols[m_schema->fields[m_field++].column];
    const std::size_t before = d.offset();
    if (!d.string(s)) return false;
    m_used += d.offset() - before;
    return true;
  }

 private:
  static constexpr format::ColumnSchema kNone{};
  format::Decoder* m_cols;
  std::size_t m_length;
  std::size_t m_used = 0;
  const format::ColumnSchema* m_schema = &kNone;
  std::uint8_t m_field = 0;
};

}  // namespace memprof::reader
