// SPDX-License-Identifier: MIT
/// @brief Column split/join of block payloads (see columns.h).
#include "memprof/format/columns.h"

#include <algorithm>
#include <cstring>

#include "memprof/format/records.h"

namespace memprof::format {

namespace {

constexpr std::size_t kMaxVarint = 10;
constexpr std::size_t kNotFound = ~std::size_t{0};

/// Worst cases of one fast-path record: bytes written (type + 5 varints) and bytes taken from
/// any one column (StackNode's 4 varints all go to kColOther), each with 8 bytes of over-read.
constexpr std::size_t kMaxRecordOut = 1 + 5 * kMaxVarint + 8;
constexpr std::size_t kMaxRecordColumn = 4 * kMaxVarint + 8;
/// A column with less room than this before the buffer's end does not bound a fast run;
/// records that use it take the careful path instead. (Columns that are empty in a block, such
/// as the node columns of a churn log, lie just before the small last column: bounding the run
/// by their room would turn the fast path off for the whole block.)
constexpr std::size_t kLowRoom = 64 * kMaxRecordColumn;

using Schema = ColumnSchema;

inline const Schema& schemaOf(std::uint8_t type) { return columnSchema(type); }

/// Length of the varint at p (at most end - p bytes), or kNotFound.
std::size_t varintLength(const std::uint8_t* p, const std::uint8_t* end) {
  for (std::size_t i = 0; i < kMaxVarint && p + i < end; ++i) {
    if (p[i] < 0x80) return i + 1;
  }
  return kNotFound;
}

std::uint64_t varintValue(const std::uint8_t* p, std::size_t length) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < length; ++i) v |= static_cast<std::uint64_t>(p[i] & 0x7F) << (7 * i);
  return v;
}

/// Copies the varint (or string, when @p string) at r to d; false if it runs past end.
inline bool copyField(const std::uint8_t*& r, const std::uint8_t* end, std::uint8_t*& d,
                      bool string) {
  std::uint64_t value = 0;
  unsigned shift = 0;
  for (;;) {
    if (r == end || shift >= 7 * kMaxVarint) return false;
    const std::uint8_t b = *r++;
    *d++ = b;
    value |= static_cast<std::uint64_t>(b & 0x7F) << shift;
    shift += 7;
    if (b < 0x80) break;
  }
  if (string) {
    if (value > static_cast<std::uint64_t>(end - r)) return false;
    std::memcpy(d, r, static_cast<std::size_t>(value));
    d += value;
    r += value;
  }
  return true;
}

std::size_t putVarint(std::uint8_t* out, std::uint64_t v) {
  std::size_t n = 0;
  while (v >= 0x80) {
    out[n++] = static_cast<std::uint8_t>(v | 0x80);
    v >>= 7;
  }
  out[n++] = static_cast<std::uint8_t>(v);
  return n;
}

/// Reading side of one column.
struct ColumnReader {
  const std::uint8_t* p = nullptr;
  const std::uint8_t* end = nullptr;
};

}  // namespace

std::size_t columnsBound(std::size_t payloadSize) noexcept {
  // Each chunk gains one mode byte, and a chunk is at least two bytes; plus the header.
  return payloadSize + payloadSize / 2 + 1 + kColumnCount * kMaxVarint + 16;
}

std::size_t columnsScratchBound(std::size_t payloadSize) noexcept {
  // One region per column, each large enough for the whole payload (one pass, no sizing).
  return kColumnCount * (payloadSize + payloadSize / 2 + 16);
}

std::size_t splitColumns(const std::uint8_t* payload, std::size_t size, std::uint8_t* scratch,
                         std::size_t scratchCapacity, std::uint8_t* out,
                         std::size_t capacity) noexcept {
  if (size == 0 || scratchCapacity < columnsScratchBound(size)) return 0;
  const std::size_t region = size + size / 2 + 16;
  std::uint8_t* begin[kColumnCount];
  std::uint8_t* cur[kColumnCount];
  for (std::size_t c = 0; c < kColumnCount; ++c) begin[c] = cur[c] = scratch + c * region;

  const std::uint8_t* p = payload;
  const std::uint8_t* end = payload + size;
  while (p < end) {
    const std::size_t idLen = varintLength(p, end);
    if (idLen == kNotFound) return 0;
    const std::uint64_t stream = varintValue(p, idLen);
    const std::size_t lenLen = varintLength(p + idLen, end);
    if (lenLen == kNotFound) return 0;
    const std::uint64_t length = varintValue(p + idLen, lenLen);
    const std::uint8_t* body = p + idLen + lenLen;
    if (length > static_cast<std::uint64_t>(end - body)) return 0;
    const std::uint8_t* bodyEnd = body + length;
    std::uint8_t* chunkMeta = cur[kColChunks];
    std::memcpy(chunkMeta, p, idLen);
    chunkMeta += idLen;
    std::uint8_t* modeByte = chunkMeta++;
    std::memcpy(chunkMeta, p + idLen, lenLen);
    cur[kColChunks] = chunkMeta + lenLen;

    bool split = stream != 0;
    if (split) {
      std::uint8_t* saved[kColumnCount];
      std::memcpy(saved, cur, sizeof cur);
      for (const std::uint8_t* r = body; r < bodyEnd && split;) {
        const std::uint8_t type = *r++;
        const Schema& schema = schemaOf(type);
        if (!schema.known) {
          split = false;
          break;
        }
        *cur[kColTypes]++ = type;
        for (std::uint8_t i = 0; i < schema.count; ++i) {
          const ColumnField f = schema.fields[i];
          if (!copyField(r, bodyEnd, cur[f.column], f.string)) {
            split = false;
            break;
          }
        }
      }
      if (!split) std::memcpy(cur, saved, sizeof cur);  // undo: keep the chunk whole
    }
    *modeByte = split ? 0 : 1;
    if (!split) {
      std::memcpy(cur[kColOther], body, static_cast<std::size_t>(length));
      cur[kColOther] += length;
    }
    p = bodyEnd;
  }

  std::size_t total = putVarint(out, kColumnCount);  // capacity >= columnsBound >= header
  for (std::size_t c = 0; c < kColumnCount; ++c) {
    total += putVarint(out + total, static_cast<std::uint64_t>(cur[c] - begin[c]));
  }
  for (std::size_t c = 0; c < kColumnCount; ++c) {
    const auto n = static_cast<std::size_t>(cur[c] - begin[c]);
    if (n > capacity - total) return 0;
    std::memcpy(out + total, begin[c], n);
    total += n;
  }
  return total;
}

std::size_t joinColumns(const std::uint8_t* columns, std::size_t size, std::uint8_t* out,
                        std::size_t capacity) noexcept {
  constexpr std::size_t kCorrupt = ~std::size_t{0};
  const std::uint8_t* p = columns;
  const std::uint8_t* end = columns + size;
  std::size_t n = varintLength(p, end);
  if (n == kNotFound) return kCorrupt;
  const std::uint64_t count = varintValue(p, n);
  if (count != kColumnCount && count != kLegacyColumnCount) return kCorrupt;
  p += n;
  ColumnReader col[kColumnCount];
  std::uint64_t sizes[kColumnCount] = {};
  for (std::size_t i = 0; i < count; ++i) {
    // A version-2 block's last column is kColOther; its node columns stay empty.
    const std::size_t c = i + 1 == count ? std::size_t{kColOther} : i;
    n = varintLength(p, end);
    if (n == kNotFound) return kCorrupt;
    sizes[c] = varintValue(p, n);
    p += n;
  }
  for (std::size_t c = 0; c < kColumnCount; ++c) {
    if (sizes[c] > static_cast<std::uint64_t>(end - p)) return kCorrupt;
    col[c] = ColumnReader{p, p + sizes[c]};
    p += sizes[c];
  }
  if (p != end) return kCorrupt;

  std::size_t used = 0;
  auto copy = [&](Column c, std::size_t bytes) {
    if (bytes > capacity - used || bytes > static_cast<std::size_t>(col[c].end - col[c].p)) {
      return false;
    }
    std::memcpy(out + used, col[c].p, bytes);
    col[c].p += bytes;
    used += bytes;
    return true;
  };
  ColumnReader& chunks = col[kColChunks];
  while (chunks.p < chunks.end) {
    const std::size_t idLen = varintLength(chunks.p, chunks.end);
    if (idLen == kNotFound || !copy(kColChunks, idLen) || chunks.p == chunks.end) return kCorrupt;
    const std::uint8_t mode = *chunks.p++;
    const std::size_t lenLen = varintLength(chunks.p, chunks.end);
    if (mode > 1 || lenLen == kNotFound) return kCorrupt;
    const std::uint64_t length = varintValue(chunks.p, lenLen);
    if (!copy(kColChunks, lenLen) || length > capacity - used) return kCorrupt;
    const std::size_t chunkEnd = used + static_cast<std::size_t>(length);
    if (mode == 1) {
      if (!copy(kColOther, static_cast<std::size_t>(length))) return kCorrupt;
      continue;
    }
    std::uint8_t* o = out + used;
    std::uint8_t* const oEnd = out + chunkEnd;
    ColumnReader& types = col[kColTypes];
    while (o < oEnd) {
      // Fast runs: while the output and every column a record may read have room for
      // `budget` worst-case records plus a 16-byte over-read, copy varints 8 bytes at a time,
      // unchecked. Columns lie back to back in [columns, end): reading past one column's end
      // stays in the buffer as long as the buffer's end is far enough, which bounds the run.
      // Columns with little room left (kLowRoom) do not bound it: records using them leave
      // the run for the careful path. A column read past its end is corruption, found after
      // the run.
      std::size_t budget = static_cast<std::size_t>(oEnd - o) / kMaxRecordOut;
      budget = std::min(budget, static_cast<std::size_t>(types.end - types.p));
      std::uint32_t lowRoom = 0;
      for (std::size_t c = 0; c < kColumnCount; ++c) {
        const auto room = static_cast<std::size_t>(end - col[c].p);
        if (room < kLowRoom) {
          lowRoom |= 1U << c;
        } else {
          budget = std::min(budget, room / kMaxRecordColumn);
        }
      }
      for (; budget > 0; --budget) {
        const std::uint8_t type = *types.p;
        const Schema& s = schemaOf(type);
        // An unknown type, a string field, or a column short of room: the careful path below.
        if (!s.fast || (s.columns & lowRoom) != 0) break;
        ++types.p;
        *o++ = type;
        for (std::uint8_t i = 0; i < s.count; ++i) {
          ColumnReader& c = col[s.fields[i].column];
          std::uint64_t word;
          std::memcpy(&word, c.p, sizeof word);
          std::memcpy(o, &word, sizeof word);
          const std::uint64_t stops = ~word & 0x8080808080808080ULL;
          if (stops != 0) {
            const std::size_t length = static_cast<std::size_t>(__builtin_ctzll(stops)) / 8 + 1;
            o += length;
            c.p += length;
            continue;
          }
          // 9 or 10 bytes (or corrupt): bytewise, at most kMaxVarint.
          o += 8;
          c.p += 8;
          std::size_t n = 8;
          for (;;) {
            if (n == kMaxVarint) return kCorrupt;
            const std::uint8_t b = *c.p++;
            *o++ = b;
            ++n;
            if (b < 0x80) break;
          }
        }
      }
      for (const ColumnReader& c : col) {
        if (c.p > c.end) return kCorrupt;
      }
      if (o > oEnd) return kCorrupt;
      if (o == oEnd) break;
      // The careful path, one record: a bound check per byte against both the column and the
      // chunk's end.
      if (types.p == types.end) return kCorrupt;
      const std::uint8_t type = *types.p++;
      const Schema& s = schemaOf(type);
      if (!s.known) return kCorrupt;
      *o++ = type;
      for (std::uint8_t i = 0; i < s.count; ++i) {
        const ColumnField& f = s.fields[i];
        ColumnReader& c = col[f.column];
        std::uint64_t value = 0;
        unsigned shift = 0;
        for (;;) {
          if (c.p == c.end || o == oEnd || shift >= 7 * kMaxVarint) return kCorrupt;
          const std::uint8_t b = *c.p++;
          *o++ = b;
          value |= static_cast<std::uint64_t>(b & 0x7F) << shift;
          shift += 7;
          if (b < 0x80) break;
        }
        if (f.string) {
          if (value > static_cast<std::uint64_t>(c.end - c.p) ||
              value > static_cast<std::uint64_t>(oEnd - o)) {
            return kCorrupt;
          }
          std::memcpy(o, c.p, static_cast<std::size_t>(value));
          o += value;
          c.p += value;
        }
      }
    }
    used = static_cast<std::size_t>(o - out);
    if (used != chunkEnd) return kCorrupt;  // the last record ran past the chunk
  }
  for (const ColumnReader& c : col) {
    if (c.p != c.end) return kCorrupt;
  }
  return used;
}

}  // namespace memprof::format
