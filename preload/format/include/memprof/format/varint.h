// SPDX-License-Identifier: MIT
/// @brief LEB128 varints and zig-zag mapping: the integer encoding of every record field.
///
/// Thread-safety: pure functions. Signal-safety: async-signal-safe (no calls, no allocation).
#pragma once

#include <cstddef>
#include <cstdint>

namespace memprof::format {

/// Largest encoded size of a 64-bit varint (ceil(64 / 7)).
inline constexpr std::size_t kMaxVarintBytes = 10;

/// Writes @p value as unsigned LEB128 at @p out; returns the number of bytes written.
/// The caller guarantees kMaxVarintBytes of room.
inline std::size_t encodeVarint(std::uint64_t value, std::uint8_t* out) noexcept {
  std::size_t n = 0;
  while (value >= 0x80) {
    out[n++] = static_cast<std::uint8_t>(value) | 0x80U;
    value >>= 7;
  }
  out[n++] = static_cast<std::uint8_t>(value);
  return n;
}

/// Maps signed to unsigned so that small magnitudes stay small: 0,-1,1,-2 -> 0,1,2,3.
inline constexpr std::uint64_t zigzagEncode(std::int64_t v) noexcept {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}

inline constexpr std::int64_t zigzagDecode(std::uint64_t v) noexcept {
  return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

/// Decodes one varint from [*cursor, end). Returns false (and leaves *cursor untouched) when the
/// input ends inside the varint or the varint is longer than 64 bits allow.
inline bool decodeVarint(const std::uint8_t** cursor, const std::uint8_t* end,
                         std::uint64_t* value) noexcept {
  const std::uint8_t* p = *cursor;
  std::uint64_t result = 0;
  for (unsigned shift = 0; shift < 64; shift += 7) {
    if (p == end) return false;
    const std::uint8_t byte = *p++;
    if (shift == 63 && byte > 1) return false;  // would overflow 64 bits
    result |= static_cast<std::uint64_t>(byte & 0x7FU) << shift;
    if ((byte & 0x80U) == 0) {
      *cursor = p;
      *value = result;
      return true;
    }
  }
  return false;
}

}  // namespace memprof::format
