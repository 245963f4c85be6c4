// SPDX-License-Identifier: MIT
/// @brief .eh_frame_hdr parsing and search (see eh_frame_hdr.h).
#include "eh_frame_hdr.h"

#include <cstring>

#include "dwarf_reader.h"

namespace memprof::preload {

namespace {

constexpr std::uint8_t kTableEncoding = kEhPeDatarel | kEhPeSdata4;
constexpr std::size_t kEntryBytes = 8;  // two sdata4

std::int32_t entryField(const EhFrameHdrTable& table, std::uint64_t index, unsigned field) {
  std::int32_t value = 0;
  std::memcpy(&value,
              reinterpret_cast<const void*>(table.entries + index * kEntryBytes + field * 4), 4);
  return value;
}

}  // namespace

EhFrameHdrTable parseEhFrameHdr(std::uintptr_t hdr, std::uintptr_t mappedEnd) noexcept {
  EhFrameHdrTable table;
  table.hdr = hdr;
  // version, eh_frame_ptr_enc, fde_count_enc, table_enc; eh_frame_ptr; fde_count; table.
  DwarfReader reader(hdr, mappedEnd);
  const std::uint8_t version = reader.u8();
  const std::uint8_t framePtrEncoding = reader.u8();
  const std::uint8_t countEncoding = reader.u8();
  const std::uint8_t tableEncoding = reader.u8();
  if (!reader.ok() || version != 1 || tableEncoding != kTableEncoding ||
      framePtrEncoding == kEhPeOmit || countEncoding == kEhPeOmit) {
    return table;
  }
  reader.encodedPointer(framePtrEncoding, hdr);
  const std::uint64_t count = reader.encodedPointer(countEncoding, hdr);
  if (!reader.ok() || count == 0 || count > (mappedEnd - reader.position()) / kEntryBytes) {
    return table;
  }
  table.entries = reader.position();
  table.count = count;
  return table;
}

std::uintptr_t findFdeCandidate(const EhFrameHdrTable& table, std::uintptr_t pc) noexcept {
  if (table.entries == 0) return 0;
  // Entries are sorted by initial location, stored relative to the header.
  const std::int64_t target = static_cast<std::int64_t>(pc - table.hdr);
  std::uint64_t low = 0;
  std::uint64_t high = table.count;  // answer in [low - 1, high - 1]
  while (low < high) {
    const std::uint64_t mid = low + (high - low) / 2;
    if (entryField(table, mid, 0) <= target) {
      low = mid + 1;
    } else {
      high = mid;
    }
  }
  if (low == 0) return 0;
  return table.hdr +
         static_cast<std::uintptr_t>(static_cast<std::int64_t>(entryField(table, low - 1, 1)));
}

}  // namespace memprof::preload
