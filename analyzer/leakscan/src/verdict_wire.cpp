// SPDX-License-Identifier: MIT
/// @brief LeakKinds record framing for the scanner → recorder socket.
#include "memprof/leakscan/verdict_wire.h"

#include "memprof/format/encoder.h"
#include "memprof/format/varint.h"

namespace memprof::leakscan {

namespace {

void finish(std::vector<std::uint8_t>& body, std::uint64_t count,
            std::vector<std::vector<std::uint8_t>>& out) {
  std::uint8_t head[16];
  format::Encoder e(head, sizeof head);
  e.type(format::RecordType::LeakKinds).varint(count);
  const std::size_t length = e.size() + body.size();
  std::vector<std::uint8_t> frame{
      static_cast<std::uint8_t>(length), static_cast<std::uint8_t>(length >> 8),
      static_cast<std::uint8_t>(length >> 16), static_cast<std::uint8_t>(length >> 24)};
  frame.insert(frame.end(), e.data(), e.data() + e.size());
  frame.insert(frame.end(), body.begin(), body.end());
  out.push_back(std::move(frame));
  body.clear();
}

}  // namespace

std::vector<std::vector<std::uint8_t>> encodeVerdictFrames(
    const std::vector<Block>& blocks, const std::vector<format::LeakKind>& kinds,
    std::size_t maxFrame) {
  std::vector<std::vector<std::uint8_t>> out;
  std::vector<std::uint8_t> body;
  std::uint64_t count = 0;
  std::uint64_t last = 0;
  const std::size_t budget = maxFrame - 32;  // room for the header
  for (std::size_t i = 0; i < blocks.size() && i < kinds.size(); ++i) {
    std::uint8_t item[2 * format::kMaxVarintBytes];
    format::Encoder e(item, sizeof item);
    e.zigzag(static_cast<std::int64_t>(blocks[i].addr - last))
        .varint(static_cast<std::uint8_t>(kinds[i]));
    if (body.size() + e.size() > budget) {
      finish(body, count, out);
      count = 0;
      last = 0;
      e.reset();
      e.zigzag(static_cast<std::int64_t>(blocks[i].addr))
          .varint(static_cast<std::uint8_t>(kinds[i]));
    }
    body.insert(body.end(), e.data(), e.data() + e.size());
    last = blocks[i].addr;
    ++count;
  }
  if (count > 0) finish(body, count, out);
  return out;
}

}  // namespace memprof::leakscan
