// SPDX-License-Identifier: MIT
/// @brief Copies a heap event field by field through general-purpose registers.
///
/// Why not `dst = src`: the decoder has just written @p src with 8-, 4- and 1-byte stores, and
/// the compiler copies the struct with 16-byte vector loads. A load spanning two earlier stores
/// cannot be forwarded from the store buffer and waits until they retire: in a profile that
/// stall was two thirds of the copy. An empty asm on each loaded field keeps the compiler from
/// fusing the loads back into vector loads.
#pragma once

#include "memprof/reader/events.h"

namespace memprof::reader {

template <typename T>
inline T inRegister(T v) {
  asm("" : "+r"(v));
  return v;
}

inline void copyEvent(HeapEvent& dst, const HeapEvent& src) {
  dst.seq = inRegister(src.seq);
  dst.timeUs = inRegister(src.timeUs);
  dst.ptr = inRegister(src.ptr);
  dst.size = inRegister(src.size);
  dst.stack = inRegister(src.stack);
  dst.stream = inRegister(src.stream);
  dst.kind = static_cast<HeapEventKind>(inRegister(static_cast<unsigned>(src.kind)));
  dst.fn = static_cast<format::AllocFn>(inRegister(static_cast<unsigned>(src.fn)));
}

}  // namespace memprof::reader
