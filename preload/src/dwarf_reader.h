// SPDX-License-Identifier: MIT
/// @brief Bounds-checked reading of DWARF call-frame data (.eh_frame, .eh_frame_hdr) in place.
///
/// Every read stays inside [position, end): a truncated or corrupt record makes the reader
/// fail (ok() turns false, reads return 0) instead of reading past the memory it was given,
/// which is a module's mapped segment. Pointer encodings are decoded relative to the actual
/// address of the bytes, as the loader mapped them.
/// Thread-safety: a reader is a value; sharing the bytes is fine (read-only).
/// Signal-safety: yes (no calls).
#pragma once

#include <cstdint>
#include <cstring>

#include "memprof/format/varint.h"

namespace memprof::preload {

/// DW_EH_PE_* pointer encodings (LSB "Exception Frames").
inline constexpr std::uint8_t kEhPeOmit = 0xFF;
inline constexpr std::uint8_t kEhPeAbsptr = 0x00;
inline constexpr std::uint8_t kEhPeUdata2 = 0x02;
inline constexpr std::uint8_t kEhPeUdata4 = 0x03;
inline constexpr std::uint8_t kEhPeUdata8 = 0x04;
inline constexpr std::uint8_t kEhPeSdata2 = 0x0A;
inline constexpr std::uint8_t kEhPeSdata4 = 0x0B;
inline constexpr std::uint8_t kEhPeSdata8 = 0x0C;
inline constexpr std::uint8_t kEhPePcrel = 0x10;
inline constexpr std::uint8_t kEhPeDatarel = 0x30;

class DwarfReader {
 public:
  DwarfReader(std::uintptr_t position, std::uintptr_t end) noexcept : at_(position), end_(end) {}

  [[nodiscard]] bool ok() const noexcept { return ok_; }
  [[nodiscard]] std::uintptr_t position() const noexcept { return at_; }
  [[nodiscard]] std::uintptr_t end() const noexcept { return end_; }

  std::uint8_t u8() noexcept { return fixed<std::uint8_t>(); }
  std::uint16_t u16() noexcept { return fixed<std::uint16_t>(); }
  std::uint32_t u32() noexcept { return fixed<std::uint32_t>(); }
  std::uint64_t u64() noexcept { return fixed<std::uint64_t>(); }

  /// Unsigned LEB128: the log format's varint (one decoder for both).
  std::uint64_t uleb128() noexcept {
    const auto* cursor = reinterpret_cast<const std::uint8_t*>(at_);
    std::uint64_t value = 0;
    if (!ok_ ||
        !format::decodeVarint(&cursor, reinterpret_cast<const std::uint8_t*>(end_), &value)) {
      return fail();
    }
    at_ = reinterpret_cast<std::uintptr_t>(cursor);
    return value;
  }

  std::int64_t sleb128() noexcept {
    std::uint64_t value = 0;
    for (unsigned shift = 0;; shift += 7) {
      const std::uint8_t byte = u8();
      if (!ok_ || shift > 63) return static_cast<std::int64_t>(fail());
      value |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) {
        if (shift + 7 < 64 && (byte & 0x40) != 0) value |= ~std::uint64_t{0} << (shift + 7);
        return static_cast<std::int64_t>(value);
      }
    }
  }

  /// Reads a pointer in @p encoding: absolute or pc-relative (or data-relative to @p dataBase),
  /// 2, 4 or 8 bytes. Indirect and the rarer forms make the reader fail: the caller treats
  /// the record as one it does not understand.
  std::uint64_t encodedPointer(std::uint8_t encoding, std::uintptr_t dataBase = 0) noexcept {
    const std::uintptr_t fieldAddress = at_;
    std::uint64_t value = 0;
    switch (encoding & 0x0F) {
      case kEhPeAbsptr:
      case kEhPeUdata8:
      case kEhPeSdata8:
        value = u64();
        break;
      case kEhPeUdata4:
        value = u32();
        break;
      case kEhPeSdata4:
        value =
            static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<std::int32_t>(u32())));
        break;
      case kEhPeUdata2:
        value = u16();
        break;
      case kEhPeSdata2:
        value =
            static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<std::int16_t>(u16())));
        break;
      default:
        return fail();
    }
    switch (encoding & 0xF0) {
      case 0:
        return value;
      case kEhPePcrel:
        return value + fieldAddress;
      case kEhPeDatarel:
        if (dataBase == 0) return fail();
        return value + dataBase;
      default:
        return fail();  // indirect, textrel, funcrel, aligned
    }
  }

  /// Skips @p bytes (fails if fewer remain).
  void skip(std::uint64_t bytes) noexcept {
    if (bytes > end_ - at_) {
      fail();
      return;
    }
    at_ += bytes;
  }

  std::uint64_t fail() noexcept {
    ok_ = false;
    at_ = end_;
    return 0;
  }

 private:
  template <typename T>
  T fixed() noexcept {
    if (!ok_ || end_ - at_ < sizeof(T)) return static_cast<T>(fail());
    T value;
    std::memcpy(&value, reinterpret_cast<const void*>(at_), sizeof(T));
    at_ += sizeof(T);
    return value;
  }

  std::uintptr_t at_;
  std::uintptr_t end_;
  bool ok_ = at_ <= end_;
};

}  // namespace memprof::preload
