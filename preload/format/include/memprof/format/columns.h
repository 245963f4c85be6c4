// SPDX-License-Identifier: MIT
/// @brief Block payloads split into columns before compression (block encoding 2).
///
/// Why: a thread's records interleave small varints of unrelated fields (sequence, time, size,
/// address, stack). zstd's entropy coder then models them as one byte distribution; grouping
/// each field's bytes together lets it model each field on its own. On allocation churn that
/// makes blocks about a third smaller for the same compression level.
///
/// The transform is exact and byte-preserving: every varint is moved as the bytes it was
/// written with, so joining the columns gives back the payload exactly. Chunks of the process
/// stream (stream 0), and any chunk with a record this code does not know, stay whole.
///
/// Layout of a transformed payload: varint columnCount, columnCount x varint columnSize, then
/// the columns in order. Writers write kColumnCount columns; joinColumns also reads the
/// kLegacyColumnCount of version 2. Column 0 describes the chunks: per chunk varint streamId, u8
/// mode (0 = split, 1 = whole: its bytes are in the Other column), varint original length.
/// Thread-safety: pure functions. No allocation, no exceptions (the recorder links this).
#pragma once

#include <cstddef>
#include <cstdint>

#include "memprof/format/column_schema.h"

namespace memprof::format {

/// Columns of a version-2 block (no node columns).
inline constexpr std::size_t kLegacyColumnCount = 9;

/// Upper bound of the transformed size of a payload of @p payloadSize bytes.
std::size_t columnsBound(std::size_t payloadSize) noexcept;

/// Size of the scratch memory splitColumns needs for a payload of @p payloadSize bytes (one
/// region per column, so the payload is read once; only the bytes written are touched).
std::size_t columnsScratchBound(std::size_t payloadSize) noexcept;

/// Splits @p payload (a block's chunks) into @p out (capacity at least columnsBound), using
/// @p scratch (at least columnsScratchBound). Returns the transformed size, or 0 if the
/// payload is not well-formed chunks (then store it with another encoding).
std::size_t splitColumns(const std::uint8_t* payload, std::size_t size, std::uint8_t* scratch,
                         std::size_t scratchCapacity, std::uint8_t* out,
                         std::size_t capacity) noexcept;

/// Rebuilds the payload from a transformed buffer into @p out (capacity: the block's rawSize).
/// Returns the rebuilt size, or SIZE_MAX if the input is corrupt (a column overrun, a bad
/// chunk description, trailing bytes).
std::size_t joinColumns(const std::uint8_t* columns, std::size_t size, std::uint8_t* out,
                        std::size_t capacity) noexcept;

}  // namespace memprof::format
