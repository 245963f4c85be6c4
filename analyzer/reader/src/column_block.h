// SPDX-License-Identifier: MIT
/// @brief Decodes a block in column form (encodings 2 and 3, once decompressed) straight from
/// its columns, without joining them back into rows (see record_sources.h for why).
#pragma once

#include <cstddef>
#include <cstdint>

#include "stream_decoder.h"

namespace memprof::reader {

/// Feeds every chunk of the column-form block @p data to @p decoder: whole chunks as rows,
/// split chunks through a ColumnSource. @p rawSize: the block header's size of its rows, which
/// the chunks must add up to. Throws LogError if the columns are corrupt (a bad header or
/// chunk description, a column overrun, bytes left over in a column, a size mismatch).
void decodeColumnBlock(const std::uint8_t* data, std::size_t size, std::size_t rawSize,
                       StreamDecoder& decoder);

}  // namespace memprof::reader
