// SPDX-License-Identifier: MIT
/// @brief CIE/FDE decoding and call-frame instruction interpretation (see cfi_rule.h).
#include "cfi_rule.h"

#include "dwarf_reader.h"

namespace memprof::preload {

namespace {

// DWARF register numbers of x86-64 (System V psABI, figure 3.36).
constexpr unsigned kRegRbp = 6;
constexpr unsigned kRegRsp = 7;
constexpr unsigned kRegReturnAddress = 16;
// libunwind tracks registers 0..16 only and rejects instructions naming any other.
constexpr unsigned kTrackedRegisters = 17;
// libunwind keeps the register-state stack in a pool; real code nests a level or two.
constexpr unsigned kMaxRememberDepth = 8;

// libunwind's limits for a "standard frame" (tdep_stash_frame).
constexpr std::int64_t kMaxCfaOffset = std::int64_t{1} << 29;
constexpr std::int64_t kMaxSavedRbpOffset = std::int64_t{1} << 14;

enum class Where : std::uint8_t { Same, Undefined, CfaOffset, Register };

struct RegisterRule {
  Where where = Where::Same;
  std::int64_t value = 0;
};

struct RowState {
  unsigned cfaRegister = 0;
  std::int64_t cfaOffset = 0;
  bool cfaDefined = false;
  RegisterRule registers[kTrackedRegisters];
};

struct Cie {
  std::uint64_t codeAlign = 0;
  std::int64_t dataAlign = 0;
  std::uint8_t fdeEncoding = kEhPeAbsptr;
  bool hasAugmentationData = false;
  std::uintptr_t instructions = 0;
  std::uintptr_t end = 0;
};

/// Reads a record's length field; returns the end of the record, or 0.
std::uintptr_t recordEnd(DwarfReader& reader) {
  std::uint64_t length = reader.u32();
  if (length == 0xFFFFFFFFu) length = reader.u64();
  if (!reader.ok() || length == 0 || length > reader.end() - reader.position()) return 0;
  return reader.position() + length;
}

bool parseCie(std::uintptr_t address, std::uintptr_t boundsEnd, Cie* cie) {
  DwarfReader reader(address, boundsEnd);
  std::uint32_t firstWord = 0;
  {
    DwarfReader peek(address, boundsEnd);
    firstWord = peek.u32();
  }
  const std::uintptr_t end = recordEnd(reader);
  if (end == 0) return false;
  DwarfReader body(reader.position(), end);
  const std::uint64_t id = firstWord == 0xFFFFFFFFu ? body.u64() : body.u32();
  if (id != 0) return false;  // an FDE, not a CIE
  const std::uint8_t version = body.u8();
  if (version != 1 && version != 3) return false;
  char augmentation[8] = {};
  std::size_t augmentationLength = 0;
  for (;;) {
    const std::uint8_t c = body.u8();
    if (!body.ok()) return false;
    if (c == 0) break;
    if (augmentationLength + 1 == sizeof augmentation) return false;
    augmentation[augmentationLength++] = static_cast<char>(c);
  }
  cie->codeAlign = body.uleb128();
  cie->dataAlign = body.sleb128();
  const std::uint64_t returnColumn = version == 1 ? body.u8() : body.uleb128();
  if (!body.ok() || returnColumn != kRegReturnAddress) return false;
  if (augmentationLength > 0) {
    if (augmentation[0] != 'z') return false;  // pre-'z' augmentations ("eh"): not handled
    cie->hasAugmentationData = true;
    const std::uint64_t dataLength = body.uleb128();
    if (!body.ok() || dataLength > end - body.position()) return false;
    const std::uintptr_t dataEnd = body.position() + dataLength;
    for (std::size_t i = 1; i < augmentationLength; ++i) {
      switch (augmentation[i]) {
        case 'L':
          body.u8();  // LSDA encoding: FDE augmentation data is skipped by its length anyway
          break;
        case 'R':
          cie->fdeEncoding = body.u8();
          break;
        case 'P': {
          // The personality routine's address is never used; only its size matters. Its
          // encoding is usually indirect, which encodedPointer refuses: drop that bit.
          const std::uint8_t encoding = body.u8();
          body.encodedPointer(static_cast<std::uint8_t>(encoding & 0x7F), 0);
          break;
        }
        default:
          return false;  // 'S' (signal frame) and anything unknown
      }
    }
    if (!body.ok() || body.position() > dataEnd) return false;
    cie->instructions = dataEnd;
  } else {
    cie->instructions = body.position();
  }
  cie->end = end;
  return body.ok() && cie->codeAlign != 0;
}

/// Runs call-frame instructions from @p begin to @p end on @p row, stopping at the first row
/// whose location is past @p pc. @p initial is the CIE's row (for DW_CFA_restore); @p location
/// is the current row's address (advanced in place). Returns false on anything not handled.
bool runInstructions(std::uintptr_t begin, std::uintptr_t end, const Cie& cie, std::uintptr_t pc,
                     const RowState* initial, std::uintptr_t* location, RowState* row) {
  DwarfReader reader(begin, end);
  RowState remembered[kMaxRememberDepth];
  unsigned rememberDepth = 0;
  const auto advance = [&](std::uint64_t delta) {
    const std::uintptr_t next = *location + delta * cie.codeAlign;
    if (next > pc) return false;  // this row and all later ones start after pc
    *location = next;
    return true;
  };
  const auto trackedRegister = [](std::uint64_t reg) { return reg < kTrackedRegisters; };
  while (reader.position() < end) {
    const std::uint8_t opcode = reader.u8();
    if (!reader.ok()) return false;
    const std::uint8_t high = opcode & 0xC0;
    const std::uint8_t low = opcode & 0x3F;
    if (high == 0x40) {  // DW_CFA_advance_loc
      if (initial == nullptr || !advance(low)) return initial != nullptr;
      continue;
    }
    if (high == 0x80) {  // DW_CFA_offset
      const std::uint64_t offset = reader.uleb128();
      if (!trackedRegister(low)) return false;
      row->registers[low] = {Where::CfaOffset, static_cast<std::int64_t>(offset) * cie.dataAlign};
      continue;
    }
    if (high == 0xC0) {  // DW_CFA_restore
      if (initial == nullptr || !trackedRegister(low)) return false;
      row->registers[low] = initial->registers[low];
      continue;
    }
    switch (opcode) {
      case 0x00:  // DW_CFA_nop
        break;
      case 0x02:    // DW_CFA_advance_loc1
      case 0x03:    // DW_CFA_advance_loc2
      case 0x04: {  // DW_CFA_advance_loc4
        const std::uint64_t delta =
            opcode == 0x02 ? reader.u8() : (opcode == 0x03 ? reader.u16() : reader.u32());
        if (!reader.ok() || initial == nullptr) return false;
        if (!advance(delta)) return true;
        break;
      }
      case 0x05:    // DW_CFA_offset_extended
      case 0x11: {  // DW_CFA_offset_extended_sf
        const std::uint64_t reg = reader.uleb128();
        const std::int64_t factored =
            opcode == 0x05 ? static_cast<std::int64_t>(reader.uleb128()) : reader.sleb128();
        if (!trackedRegister(reg)) return false;
        row->registers[reg] = {Where::CfaOffset, factored * cie.dataAlign};
        break;
      }
      case 0x06: {  // DW_CFA_restore_extended
        const std::uint64_t reg = reader.uleb128();
        if (initial == nullptr || !trackedRegister(reg)) return false;
        row->registers[reg] = initial->registers[reg];
        break;
      }
      case 0x07:    // DW_CFA_undefined
      case 0x08: {  // DW_CFA_same_value
        const std::uint64_t reg = reader.uleb128();
        if (!trackedRegister(reg)) return false;
        row->registers[reg] = {opcode == 0x07 ? Where::Undefined : Where::Same, 0};
        break;
      }
      case 0x09: {  // DW_CFA_register
        const std::uint64_t reg = reader.uleb128();
        const std::uint64_t source = reader.uleb128();
        if (!trackedRegister(reg) || !trackedRegister(source)) return false;
        row->registers[reg] = {Where::Register, static_cast<std::int64_t>(source)};
        break;
      }
      case 0x0A:  // DW_CFA_remember_state
        if (rememberDepth == kMaxRememberDepth) return false;
        remembered[rememberDepth++] = *row;
        break;
      case 0x0B:  // DW_CFA_restore_state (the CFA too, as in libunwind and the DWARF spec)
        if (rememberDepth == 0) return false;
        *row = remembered[--rememberDepth];
        break;
      case 0x0C:    // DW_CFA_def_cfa
      case 0x12: {  // DW_CFA_def_cfa_sf
        const std::uint64_t reg = reader.uleb128();
        const std::int64_t offset = opcode == 0x0C ? static_cast<std::int64_t>(reader.uleb128())
                                                   : reader.sleb128() * cie.dataAlign;
        if (!trackedRegister(reg)) return false;
        row->cfaRegister = static_cast<unsigned>(reg);
        row->cfaOffset = offset;
        row->cfaDefined = true;
        break;
      }
      case 0x0D: {  // DW_CFA_def_cfa_register
        const std::uint64_t reg = reader.uleb128();
        if (!trackedRegister(reg) || !row->cfaDefined) return false;
        row->cfaRegister = static_cast<unsigned>(reg);
        break;
      }
      case 0x0E:  // DW_CFA_def_cfa_offset
      case 0x13:  // DW_CFA_def_cfa_offset_sf
        if (!row->cfaDefined) return false;
        row->cfaOffset = opcode == 0x0E ? static_cast<std::int64_t>(reader.uleb128())
                                        : reader.sleb128() * cie.dataAlign;
        break;
      case 0x2E:  // DW_CFA_GNU_args_size: stack arguments pushed for a call; no effect on the CFA
        reader.uleb128();
        break;
      default:
        // DW_CFA_set_loc, the expression forms, val_offset, GNU_negative_offset_extended,
        // GNU_window_save and anything unknown: not followed here.
        return false;
    }
    if (!reader.ok()) return false;
  }
  return reader.ok();
}

FrameRule ruleFromRow(const RowState& row) {
  FrameRule rule;
  if (!row.cfaDefined || (row.cfaRegister != kRegRsp && row.cfaRegister != kRegRbp)) return rule;
  if (row.cfaOffset <= -kMaxCfaOffset || row.cfaOffset >= kMaxCfaOffset) return rule;
  const RegisterRule& returnAddress = row.registers[kRegReturnAddress];
  const RegisterRule& rbp = row.registers[kRegRbp];
  const RegisterRule& rsp = row.registers[kRegRsp];
  if (rsp.where != Where::Same) return rule;
  if (returnAddress.where == Where::Undefined) {
    rule.kind = FrameRuleKind::Outermost;
    return rule;
  }
  if (returnAddress.where != Where::CfaOffset || returnAddress.value != -8) return rule;
  if (rbp.where == Where::CfaOffset) {
    // libunwind refuses -1; 0 (the caller's own slot at the CFA) is refused here, as it
    // means "unchanged" in a FrameRule and no real code saves rbp there.
    if (rbp.value <= -kMaxSavedRbpOffset || rbp.value >= kMaxSavedRbpOffset || rbp.value == -1 ||
        rbp.value == 0) {
      return rule;
    }
    rule.rbpOffset = static_cast<std::int16_t>(rbp.value);
  } else if (rbp.where != Where::Same) {
    return rule;  // undefined (libunwind would end the walk here) or in another register
  }
  rule.cfaFromRbp = row.cfaRegister == kRegRbp;
  rule.cfaOffset = static_cast<std::int32_t>(row.cfaOffset);
  rule.kind = FrameRuleKind::Standard;
  return rule;
}

}  // namespace

FrameRule deriveFrameRule(std::uintptr_t fde, std::uintptr_t boundsBegin, std::uintptr_t boundsEnd,
                          std::uintptr_t pc) noexcept {
  if (fde < boundsBegin || fde >= boundsEnd) return {};
  DwarfReader reader(fde, boundsEnd);
  std::uint32_t firstWord = 0;
  {
    DwarfReader peek(fde, boundsEnd);
    firstWord = peek.u32();
  }
  const std::uintptr_t end = recordEnd(reader);
  if (end == 0) return {};
  DwarfReader body(reader.position(), end);
  const std::uintptr_t ciePointerField = body.position();
  const std::uint64_t ciePointer = firstWord == 0xFFFFFFFFu ? body.u64() : body.u32();
  if (!body.ok() || ciePointer == 0 || ciePointer > ciePointerField - boundsBegin) return {};
  Cie cie;
  if (!parseCie(ciePointerField - ciePointer, boundsEnd, &cie)) return {};
  const std::uint64_t start = body.encodedPointer(cie.fdeEncoding);
  const std::uint64_t range = body.encodedPointer(cie.fdeEncoding & 0x0F);
  if (!body.ok() || pc < start || pc - start >= range) return {};
  if (cie.hasAugmentationData) body.skip(body.uleb128());
  if (!body.ok()) return {};

  RowState row;
  std::uintptr_t location = start;
  if (!runInstructions(cie.instructions, cie.end, cie, pc, nullptr, &location, &row)) return {};
  const RowState initial = row;
  if (!runInstructions(body.position(), end, cie, pc, &initial, &location, &row)) return {};
  return ruleFromRow(row);
}

}  // namespace memprof::preload
