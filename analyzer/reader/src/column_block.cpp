// SPDX-License-Identifier: MIT
/// @brief Column-form blocks, decoded in place (layout: memprof/format/columns.h).
#include "column_block.h"

#include <string>

#include "memprof/format/columns.h"
#include "memprof/format/decoder.h"
#include "memprof/reader/log_reader.h"

namespace memprof::reader {

namespace {

[[noreturn]] void corruptColumns(const char* what) {
  throw LogError(std::string("corrupt compressed block (") + what + ")");
}

}  // namespace

void decodeColumnBlock(const std::uint8_t* data, std::size_t size, std::size_t rawSize,
                       StreamDecoder& decoder) {
  format::Decoder header(data, data + size);
  std::uint64_t count = 0;
  if (!header.varint(&count) ||
      (count != format::kColumnCount && count != format::kLegacyColumnCount)) {
    corruptColumns("column count");
  }
  std::uint64_t sizes[format::kColumnCount] = {};
  for (std::uint64_t i = 0; i < count; ++i) {
    // A version-2 block's last column is kColOther; its node columns stay empty.
    const std::size_t c = i + 1 == count ? std::size_t{format::kColOther} : i;
    if (!header.varint(&sizes[c])) corruptColumns("column sizes");
  }
  format::Decoder columns[format::kColumnCount];
  for (std::size_t c = 0; c < format::kColumnCount; ++c) {
    const std::uint8_t* at = nullptr;
    if (!header.bytes(&at, sizes[c])) corruptColumns("column sizes");
    columns[c] = format::Decoder(at, at + sizes[c]);
  }
  if (!header.atEnd()) corruptColumns("trailing bytes");

  format::Decoder& chunks = columns[format::kColChunks];
  std::size_t rows = 0;  // the size of the rows decoded so far, to check against rawSize
  while (!chunks.atEnd()) {
    std::uint64_t stream = 0, length = 0;
    std::uint8_t mode = 0;
    const std::size_t described = chunks.offset();
    if (!chunks.varint(&stream) || !chunks.u8(&mode) || !chunks.varint(&length) || mode > 1 ||
        stream > 0xFFFFFFFFULL || length > rawSize) {
      corruptColumns("chunk description");
    }
    // The rows hold the chunk's two varints as written (the column holds them byte for
    // byte, with the mode byte between them), then its records.
    rows += chunks.offset() - described - 1 + length;
    if (rows > rawSize) corruptColumns("chunks larger than the block");
    const auto id = static_cast<std::uint32_t>(stream);
    if (mode == 1) {
      const std::uint8_t* bytes = nullptr;
      if (!columns[format::kColOther].bytes(&bytes, length)) corruptColumns("whole chunk");
      decoder.decodeChunk(id, bytes, length);
    } else {
      ColumnSource source(columns, length);
      decoder.decodeSplitChunk(id, source);
    }
  }
  for (const format::Decoder& c : columns) {
    if (!c.atEnd()) corruptColumns("bytes left in a column");
  }
  if (rows != rawSize) corruptColumns("chunks smaller than the block");
}

}  // namespace memprof::reader
