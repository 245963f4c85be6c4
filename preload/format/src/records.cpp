// SPDX-License-Identifier: MIT
/// @brief Names of the allocation interfaces, as reports print them.
#include "memprof/format/records.h"

namespace memprof::format {

const char* allocFnName(AllocFn fn) noexcept {
  switch (fn) {
    case AllocFn::Malloc:
      return "malloc";
    case AllocFn::Calloc:
      return "calloc";
    case AllocFn::Realloc:
      return "realloc";
    case AllocFn::ReallocArray:
      return "reallocarray";
    case AllocFn::PosixMemalign:
      return "posix_memalign";
    case AllocFn::AlignedAlloc:
      return "aligned_alloc";
    case AllocFn::Memalign:
      return "memalign";
    case AllocFn::Valloc:
      return "valloc";
    case AllocFn::Pvalloc:
      return "pvalloc";
    case AllocFn::New:
      return "operator new";
    case AllocFn::NewArray:
      return "operator new[]";
    case AllocFn::Free:
      return "free";
    case AllocFn::Delete:
      return "operator delete";
    case AllocFn::DeleteArray:
      return "operator delete[]";
    case AllocFn::Count:
      break;
  }
  return "?";
}

}  // namespace memprof::format
