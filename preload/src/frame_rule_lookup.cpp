// SPDX-License-Identifier: MIT
/// @brief Module and FDE look-up for one address (see frame_rule_lookup.h).
#include "frame_rule_lookup.h"

#include <elf.h>
#include <link.h>

#include "cfi_rule.h"
#include "eh_frame_hdr.h"

namespace memprof::preload {

namespace {

struct Query {
  std::uintptr_t pc;
  FrameRule rule;
};

bool containsAddress(const dl_phdr_info* info, const ElfW(Phdr) & ph, std::uintptr_t address) {
  const std::uintptr_t begin = info->dlpi_addr + ph.p_vaddr;
  return ph.p_type == PT_LOAD && address >= begin && address - begin < ph.p_memsz;
}

int examineModule(dl_phdr_info* info, std::size_t, void* data) {
  auto* query = static_cast<Query*>(data);
  const ElfW(Phdr)* ehFrameHdr = nullptr;
  bool holdsPc = false;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (containsAddress(info, ph, query->pc)) holdsPc = true;
    if (ph.p_type == PT_GNU_EH_FRAME) ehFrameHdr = &ph;
  }
  if (!holdsPc) return 0;  // keep looking
  if (ehFrameHdr == nullptr) return 1;
  const std::uintptr_t hdr = info->dlpi_addr + ehFrameHdr->p_vaddr;
  const EhFrameHdrTable table = parseEhFrameHdr(hdr, hdr + ehFrameHdr->p_memsz);
  const std::uintptr_t fde = findFdeCandidate(table, query->pc);
  if (fde == 0) return 1;
  // Reads of the FDE and its CIE stay within the loaded segment that holds the FDE.
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (containsAddress(info, ph, fde)) {
      const std::uintptr_t begin = info->dlpi_addr + ph.p_vaddr;
      query->rule = deriveFrameRule(fde, begin, begin + ph.p_memsz, query->pc);
      break;
    }
  }
  return 1;
}

}  // namespace

FrameRule lookupFrameRule(std::uintptr_t pc) noexcept {
  Query query{pc, FrameRule{}};
  dl_iterate_phdr(examineModule, &query);
  return query.rule;
}

}  // namespace memprof::preload
