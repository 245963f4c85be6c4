// SPDX-License-Identifier: MIT
/// @brief Bounds-checked reading of record fields from a byte range.
///
/// Every read reports failure instead of reading past the end, so a corrupt or cut-short log can
/// never crash a reader. Thread-safety: one decoder per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "memprof/format/records.h"
#include "memprof/format/varint.h"

namespace memprof::format {

class Decoder {
 public:
  Decoder() noexcept = default;  ///< an empty range
  Decoder(const std::uint8_t* begin, const std::uint8_t* end) noexcept
      : m_begin(begin), m_cursor(begin), m_end(end) {}

  [[nodiscard]] bool atEnd() const noexcept { return m_cursor == m_end; }
  [[nodiscard]] std::size_t offset() const noexcept {
    return static_cast<std::size_t>(m_cursor - m_begin);
  }
  [[nodiscard]] std::size_t remaining() const noexcept {
    return static_cast<std::size_t>(m_end - m_cursor);
  }

  bool u8(std::uint8_t* v) noexcept {
    if (m_cursor == m_end) return false;
    *v = *m_cursor++;
    return true;
  }
  bool varint(std::uint64_t* v) noexcept {
    // Most fields are one byte; a reader decodes tens of millions of them.
    if (m_cursor != m_end && *m_cursor < 0x80) {
      *v = *m_cursor++;
      return true;
    }
    return decodeVarint(&m_cursor, m_end, v);
  }
  bool zigzag(std::int64_t* v) noexcept {
    std::uint64_t u = 0;
    if (!varint(&u)) return false;
    *v = zigzagDecode(u);
    return true;
  }
  /// A length-prefixed byte string; the view points into the decoded buffer.
  bool string(std::string_view* s, std::size_t maxLength = 1U << 20) noexcept {
    std::uint64_t n = 0;
    const std::uint8_t* saved = m_cursor;
    if (!varint(&n) || n > maxLength || n > remaining()) {
      m_cursor = saved;
      return false;
    }
    *s = std::string_view(reinterpret_cast<const char*>(m_cursor), static_cast<std::size_t>(n));
    m_cursor += n;
    return true;
  }
  bool bytes(const std::uint8_t** p, std::size_t n) noexcept {
    if (n > remaining()) return false;
    *p = m_cursor;
    m_cursor += n;
    return true;
  }
  bool u32le(std::uint32_t* v) noexcept {
    if (remaining() < 4) return false;
    *v = static_cast<std::uint32_t>(m_cursor[0]) | (static_cast<std::uint32_t>(m_cursor[1]) << 8) |
         (static_cast<std::uint32_t>(m_cursor[2]) << 16) |
         (static_cast<std::uint32_t>(m_cursor[3]) << 24);
    m_cursor += 4;
    return true;
  }

 private:
  const std::uint8_t* m_begin = nullptr;
  const std::uint8_t* m_cursor = nullptr;
  const std::uint8_t* m_end = nullptr;
};

}  // namespace memprof::format
