// SPDX-License-Identifier: MIT
/// @brief libunwind over a sample's registers and stack copy (see stack_copy_unwinder.h).
// Not UNW_LOCAL_ONLY: this is libunwind's generic ("remote") interface, libunwind-x86_64.
#include "stack_copy_unwinder.h"

#include <elf.h>
#include <libunwind.h>
#include <link.h>

#include <cstring>

#include "eh_frame_hdr.h"
#include "internal_memory.h"
#include "loader_lock_guard.h"
#include "module_map.h"

// Exported by libunwind-x86_64 but not declared in its headers (perf and libunwind-ptrace
// declare it the same way): binary search of an .eh_frame_hdr table.
extern "C" int _Ux86_64_dwarf_search_unwind_table(unw_addr_space_t as, unw_word_t ip,
                                                  unw_dyn_info_t* di, unw_proc_info_t* pi,
                                                  int need_unwind_info, void* arg);

namespace memprof::preload {

namespace {

constexpr std::size_t kMaxModules = 1024;
constexpr std::size_t kMaxSegments = 12;

struct Segment {
  std::uintptr_t begin;
  std::uintptr_t end;
  bool executable;
};

/// One loaded module as dl_iterate_phdr showed it: its segments (the only memory besides the
/// stack copy we ever read) and its .eh_frame_hdr search table.
struct Module {
  std::uintptr_t begin;
  std::uintptr_t end;
  std::uintptr_t ehFrameHdr;  ///< 0: no usable table
  std::uintptr_t table;
  std::uint64_t fdeCount;
  std::size_t segmentCount;
  Segment segments[kMaxSegments];
};

struct ModuleCache {
  std::size_t count;
  Module modules[kMaxModules];
};

constinit ModuleCache* s_cache = nullptr;
constinit bool s_cacheValid = false;
constinit unw_addr_space_t s_space = nullptr;

int collectModule(dl_phdr_info* info, std::size_t, void* data) {
  auto* cache = static_cast<ModuleCache*>(data);
  if (cache->count == kMaxModules) return 1;
  Module& m = cache->modules[cache->count];
  m = Module{};
  m.begin = ~std::uintptr_t{0};
  std::size_t ehFrameHdrBytes = 0;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type == PT_LOAD && m.segmentCount < kMaxSegments && (ph.p_flags & PF_R) != 0) {
      const std::uintptr_t begin = info->dlpi_addr + ph.p_vaddr;
      const std::uintptr_t end = begin + ph.p_memsz;
      m.segments[m.segmentCount++] = Segment{begin, end, (ph.p_flags & PF_X) != 0};
      if (begin < m.begin) m.begin = begin;
      if (end > m.end) m.end = end;
    } else if (ph.p_type == PT_GNU_EH_FRAME) {
      m.ehFrameHdr = info->dlpi_addr + ph.p_vaddr;
      ehFrameHdrBytes = ph.p_memsz;
    }
  }
  if (m.segmentCount == 0) return 0;
  if (m.ehFrameHdr != 0) {
    const EhFrameHdrTable table = parseEhFrameHdr(m.ehFrameHdr, m.ehFrameHdr + ehFrameHdrBytes);
    m.table = table.entries;
    m.fdeCount = table.count;
    if (table.entries == 0) m.ehFrameHdr = 0;
  }
  ++cache->count;
  return 0;
}

bool refreshCache() {
  if (s_cache == nullptr) {
    s_cache = static_cast<ModuleCache*>(internalMap(sizeof(ModuleCache)));
    if (s_cache == nullptr) return false;
  }
  const LoaderScope loader;
  if (!loader) return false;  // a fork is being prepared
  s_cache->count = 0;
  dl_iterate_phdr(collectModule, s_cache);
  s_cacheValid = true;
  return true;
}

const Module* findModule(std::uintptr_t address, bool refreshOnMiss) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (s_cacheValid) {
      for (std::size_t i = 0; i < s_cache->count; ++i) {
        const Module& m = s_cache->modules[i];
        if (address >= m.begin && address < m.end) return &m;
      }
    }
    if (!refreshOnMiss || !refreshCache()) return nullptr;
    refreshOnMiss = false;
  }
  return nullptr;
}

bool readableInModule(std::uintptr_t address, std::size_t bytes) {
  const Module* m = findModule(address, false);
  if (m == nullptr) return false;
  for (std::size_t i = 0; i < m->segmentCount; ++i) {
    if (address >= m->segments[i].begin && address + bytes <= m->segments[i].end) return true;
  }
  return false;
}

// ---- libunwind accessors; arg is the RingSample being unwound ----

int findProcInfo(unw_addr_space_t as, unw_word_t ip, unw_proc_info_t* pi, int needUnwindInfo,
                 void* arg) {
  const Module* m = findModule(ip, true);
  if (m == nullptr || m->ehFrameHdr == 0) return -UNW_ENOINFO;
  unw_dyn_info_t di;
  std::memset(&di, 0, sizeof di);
  di.start_ip = m->begin;
  di.end_ip = m->end;
  di.format = UNW_INFO_FORMAT_REMOTE_TABLE;
  di.u.rti.name_ptr = 0;
  di.u.rti.segbase = m->ehFrameHdr;
  di.u.rti.table_data = m->table;
  di.u.rti.table_len = m->fdeCount * 8 / sizeof(unw_word_t);  // two int32 per entry
  return _Ux86_64_dwarf_search_unwind_table(as, ip, &di, pi, needUnwindInfo, arg);
}

void putUnwindInfo(unw_addr_space_t, unw_proc_info_t*, void*) {
  // Nothing: the table format's unwind info is libunwind's own and it frees it itself.
}

int getDynInfoListAddr(unw_addr_space_t, unw_word_t*, void*) { return -UNW_ENOINFO; }

int accessMem(unw_addr_space_t, unw_word_t address, unw_word_t* value, int write, void* arg) {
  if (write != 0) return -UNW_EINVAL;
  const auto* s = static_cast<const RingSample*>(arg);
  const std::uintptr_t sp = s->regs[kRegSp];
  if (address >= sp && address + sizeof(unw_word_t) <= sp + s->stackSize) {
    std::memcpy(value, s->stack + (address - sp), sizeof(unw_word_t));
    return 0;
  }
  if (readableInModule(address, sizeof(unw_word_t))) {
    std::memcpy(value, reinterpret_cast<const void*>(address), sizeof(unw_word_t));
    return 0;
  }
  return -UNW_EINVAL;  // live stack beyond the copy, heap, unmapped: not read
}

int accessReg(unw_addr_space_t, unw_regnum_t reg, unw_word_t* value, int write, void* arg) {
  if (write != 0) return -UNW_EINVAL;
  const auto* s = static_cast<const RingSample*>(arg);
  std::size_t index = 0;
  switch (reg) {
    case UNW_X86_64_RAX:
      index = kRegAx;
      break;
    case UNW_X86_64_RDX:
      index = kRegDx;
      break;
    case UNW_X86_64_RCX:
      index = kRegCx;
      break;
    case UNW_X86_64_RBX:
      index = kRegBx;
      break;
    case UNW_X86_64_RSI:
      index = kRegSi;
      break;
    case UNW_X86_64_RDI:
      index = kRegDi;
      break;
    case UNW_X86_64_RBP:
      index = kRegBp;
      break;
    case UNW_X86_64_RSP:
      index = kRegSp;
      break;
    case UNW_X86_64_R8:
      index = kRegR8;
      break;
    case UNW_X86_64_R9:
      index = kRegR9;
      break;
    case UNW_X86_64_R10:
      index = kRegR10;
      break;
    case UNW_X86_64_R11:
      index = kRegR11;
      break;
    case UNW_X86_64_R12:
      index = kRegR12;
      break;
    case UNW_X86_64_R13:
      index = kRegR13;
      break;
    case UNW_X86_64_R14:
      index = kRegR14;
      break;
    case UNW_X86_64_R15:
      index = kRegR15;
      break;
    case UNW_X86_64_RIP:
      index = kRegIp;
      break;
    default:
      return -UNW_EBADREG;
  }
  *value = s->regs[index];
  return 0;
}

int accessFpreg(unw_addr_space_t, unw_regnum_t, unw_fpreg_t*, int, void*) { return -UNW_EBADREG; }

int resume(unw_addr_space_t, unw_cursor_t*, void*) { return -UNW_EINVAL; }

int getProcName(unw_addr_space_t, unw_word_t, char*, std::size_t, unw_word_t*, void*) {
  return -UNW_EINVAL;  // names are the analyzer's job
}

unw_accessors_t s_accessors = {findProcInfo, putUnwindInfo, getDynInfoListAddr,
                               accessMem,    accessReg,     accessFpreg,
                               resume,       getProcName};

}  // namespace

bool initStackCopyUnwinder() noexcept {
  if (s_space != nullptr) return true;
  s_space = unw_create_addr_space(&s_accessors, 0);
  if (s_space == nullptr) return false;
  // Per thread: the global cache takes a lock and blocks signals around every lookup.
  unw_set_caching_policy(s_space, UNW_CACHE_PER_THREAD);
  unw_set_cache_size(s_space, 4096, 0);  // rules for 4096 distinct PCs (default 128)
  return true;
}

std::size_t unwindStackCopy(const RingSample& sample, std::uintptr_t* ips,
                            std::size_t max) noexcept {
  if (s_space == nullptr || max == 0) return 0;
  // A sample taken inside one of memprof's hooks runs through our frames and what they call
  // (libunwind, zstd, the real allocator); everything inner to our outermost frame is ours,
  // and the time belongs to the program's line that called the hook.
  std::size_t n = 0;
  std::size_t keepFrom = 0;  // index after the outermost frame of this library
  const std::uintptr_t pc = sample.regs[kRegIp];
  ips[n++] = pc;
  if (isSelfAddress(pc)) keepFrom = n;
  unw_cursor_t cursor;
  if (sample.stackSize != 0 &&
      unw_init_remote(&cursor, s_space, const_cast<RingSample*>(&sample)) >= 0) {
    // The first frame is the sampled PC itself (taken above); then one return address per step.
    std::size_t steps = 0;
    while (n < max && steps++ < max + 16 && unw_step(&cursor) > 0) {
      unw_word_t ip = 0;
      if (unw_get_reg(&cursor, UNW_REG_IP, &ip) < 0 || ip == 0) break;
      ips[n++] = ip;
      if (isSelfAddress(ip)) keepFrom = n;
    }
  }
  if (keepFrom == 0) return n;
  std::memmove(ips, ips + keepFrom, (n - keepFrom) * sizeof *ips);
  return n - keepFrom;
}

void flushStackCopyUnwinder() noexcept {
  s_cacheValid = false;
  if (s_space != nullptr) unw_flush_cache(s_space, 0, 0);
}

void abandonStackCopyUnwinderAfterFork() noexcept {
  s_space = nullptr;  // not unw_destroy_addr_space: that would take the very locks in question
  s_cacheValid = false;
}

}  // namespace memprof::preload
