// SPDX-License-Identifier: MIT
/// @brief The bounds of the memory mapping that holds an address, from /proc/self/maps, read
/// with plain system calls (no malloc, no stdio: usable inside the allocation hooks).
/// The fast unwinder reads stack words only within the mapping of the thread's stack, so a
/// wrong unwind rule can end a walk but never fault.
/// Thread-safety: thread-safe. Signal-safety: yes (open/read/close only).
#pragma once

#include <cstdint>

namespace memprof::preload {

struct MappingBounds {
  std::uintptr_t begin = 0;
  std::uintptr_t end = 0;  ///< 0: not found
};

/// The mapping of this process that contains @p address, or {0, 0}. Preserves errno.
MappingBounds findMappingBounds(std::uintptr_t address) noexcept;

/// Parses one line of /proc/<pid>/maps ("begin-end perms ...", hexadecimal) into @p out.
bool parseMapsLine(const char* line, const char* end, MappingBounds* out) noexcept;

}  // namespace memprof::preload
