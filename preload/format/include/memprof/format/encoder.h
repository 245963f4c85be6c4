// SPDX-License-Identifier: MIT
/// @brief Non-allocating record encoder writing into caller-supplied memory.
///
/// The preload library builds every record with it on the hot path, so it never allocates,
/// never throws, and reports overflow through ok() instead of writing past the end.
/// Thread-safety: one encoder per thread. Signal-safety: async-signal-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "memprof/format/records.h"
#include "memprof/format/varint.h"

namespace memprof::format {

class Encoder {
 public:
  Encoder(std::uint8_t* data, std::size_t capacity) noexcept : m_data(data), m_capacity(capacity) {}

  Encoder& u8(std::uint8_t v) noexcept {
    if (room(1)) m_data[m_size++] = v;
    return *this;
  }
  Encoder& type(RecordType t) noexcept { return u8(static_cast<std::uint8_t>(t)); }
  Encoder& varint(std::uint64_t v) noexcept {
    if (!m_overflow && m_capacity - m_size >= kMaxVarintBytes) {  // fast path: surely fits
      m_size += encodeVarint(v, m_data + m_size);
    } else {  // near the end: encode aside, then copy only if the real length fits
      std::uint8_t tmp[kMaxVarintBytes];
      const std::size_t n = encodeVarint(v, tmp);
      raw(tmp, n);
    }
    return *this;
  }
  Encoder& zigzag(std::int64_t v) noexcept { return varint(zigzagEncode(v)); }
  Encoder& raw(const void* bytes, std::size_t n) noexcept {
    if (room(n)) {
      std::memcpy(m_data + m_size, bytes, n);
      m_size += n;
    }
    return *this;
  }
  Encoder& string(std::string_view s) noexcept {
    varint(s.size());
    return raw(s.data(), s.size());
  }
  /// Fixed-width little-endian u32, used only by block headers.
  Encoder& u32le(std::uint32_t v) noexcept {
    const std::uint8_t b[4] = {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8),
                               static_cast<std::uint8_t>(v >> 16),
                               static_cast<std::uint8_t>(v >> 24)};
    return raw(b, 4);
  }

  [[nodiscard]] bool ok() const noexcept { return !m_overflow; }
  [[nodiscard]] std::size_t size() const noexcept { return m_size; }
  [[nodiscard]] const std::uint8_t* data() const noexcept { return m_data; }
  void reset() noexcept {
    m_size = 0;
    m_overflow = false;
  }

 private:
  bool room(std::size_t n) noexcept {
    if (m_overflow || m_capacity - m_size < n) {
      m_overflow = m_overflow || m_capacity - m_size < n;
      return false;
    }
    return true;
  }

  std::uint8_t* m_data;
  std::size_t m_capacity;
  std::size_t m_size = 0;
  bool m_overflow = false;
};

/// Writes the 16-byte file header into @p out (kFileHeaderSize bytes).
inline void writeFileHeader(std::uint8_t* out) noexcept {
  Encoder e(out, kFileHeaderSize);
  e.raw(kMagic, sizeof kMagic).u32le(kVersion).u32le(0);
}

}  // namespace memprof::format
