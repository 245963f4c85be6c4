// SPDX-License-Identifier: MIT
/// @brief Unit tests of the fast unwinder's pure parts: DwarfReader, the .eh_frame_hdr search,
/// CFI interpretation (cfi_rule) on hand-assembled CIE/FDE records, and /proc/self/maps lines.
#define BOOST_TEST_MODULE test_cfi_rule
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <vector>

#include "cfi_rule.h"
#include "dwarf_reader.h"
#include "eh_frame_hdr.h"
#include "mapping_bounds.h"

using namespace memprof::preload;

namespace {

std::uintptr_t addressOf(const std::vector<std::uint8_t>& bytes, std::size_t offset = 0) {
  return reinterpret_cast<std::uintptr_t>(bytes.data()) + offset;
}

// DWARF call-frame opcodes used below.
constexpr std::uint8_t kAdvanceLoc = 0x40;  // | delta
constexpr std::uint8_t kOffset = 0x80;      // | register, uleb factored offset
constexpr std::uint8_t kRestore = 0xC0;     // | register
constexpr std::uint8_t kAdvanceLoc1 = 0x02;
constexpr std::uint8_t kUndefined = 0x07;
constexpr std::uint8_t kRegister = 0x09;
constexpr std::uint8_t kRememberState = 0x0A;
constexpr std::uint8_t kRestoreState = 0x0B;
constexpr std::uint8_t kDefCfa = 0x0C;
constexpr std::uint8_t kDefCfaRegister = 0x0D;
constexpr std::uint8_t kDefCfaOffset = 0x0E;
constexpr std::uint8_t kDefCfaExpression = 0x0F;
constexpr std::uint8_t kExpression = 0x10;
constexpr std::uint8_t kValOffset = 0x14;
constexpr std::uint8_t kArgsSize = 0x2E;
constexpr std::uint8_t kRbp = 6;
constexpr std::uint8_t kRsp = 7;
constexpr std::uint8_t kRa = 16;

/// Builds one CIE followed by one FDE in a buffer, as a compiler lays out .eh_frame: CIE with
/// augmentation "zR" (or @p augmentation), code alignment 1, data alignment -8, return
/// address column 16, pc-relative sdata4 FDE addresses; the FDE covers [start, start + range).
struct EhFrame {
  std::vector<std::uint8_t> bytes;
  std::size_t fdeOffset = 0;

  EhFrame(std::initializer_list<std::uint8_t> cieInstructions,
          std::initializer_list<std::uint8_t> fdeInstructions, std::uint32_t range,
          const char* augmentation = "zR", std::uint8_t version = 1) {
    bytes.reserve(4096);  // no reallocation: pc-relative fields refer to final addresses
    std::vector<std::uint8_t> cie = {0, 0, 0, 0, version};
    for (const char* a = augmentation; *a != '\0'; ++a)
      cie.push_back(static_cast<std::uint8_t>(*a));
    cie.push_back(0);
    cie.push_back(1);     // code alignment
    cie.push_back(0x78);  // data alignment -8 (sleb)
    cie.push_back(kRa);
    if (augmentation[0] == 'z') {
      cie.push_back(1);     // augmentation data length
      cie.push_back(0x1B);  // pcrel | sdata4
    }
    cie.insert(cie.end(), cieInstructions);
    while ((cie.size() + 4) % 8 != 0) cie.push_back(0);  // DW_CFA_nop padding
    put32(static_cast<std::uint32_t>(cie.size()));
    bytes.insert(bytes.end(), cie.begin(), cie.end());

    fdeOffset = bytes.size();
    std::vector<std::uint8_t> fde(4 + 4 + 4, 0);  // CIE pointer, start, range
    fde.push_back(0);                             // augmentation data length
    fde.insert(fde.end(), fdeInstructions);
    while ((fde.size() + 4) % 8 != 0) fde.push_back(0);
    put32(static_cast<std::uint32_t>(fde.size()));
    const std::size_t body = bytes.size();
    bytes.insert(bytes.end(), fde.begin(), fde.end());
    write32(body, static_cast<std::uint32_t>(body));  // back to the CIE at offset 0
    // The function starts 0x1000 bytes after the buffer (a made-up address, never executed).
    write32(body + 4, static_cast<std::uint32_t>(start() - addressOf(bytes, body + 4)));
    write32(body + 8, range);
  }

  std::uintptr_t start() const { return addressOf(bytes) + 0x1000; }
  std::uintptr_t fde() const { return addressOf(bytes, fdeOffset); }
  FrameRule ruleAt(std::uintptr_t offset) const {
    return deriveFrameRule(fde(), addressOf(bytes), addressOf(bytes, bytes.size()),
                           start() + offset);
  }

  void put32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void write32(std::size_t at, std::uint32_t v) { std::memcpy(bytes.data() + at, &v, 4); }
};

// The CIE every x86-64 compiler emits: CFA = rsp + 8, return address at CFA - 8.
const std::initializer_list<std::uint8_t> kStandardCie = {kDefCfa, kRsp, 8, kOffset | kRa, 1};

FrameRule standard(bool fromRbp, std::int32_t cfaOffset, std::int16_t rbpOffset = 0) {
  FrameRule rule;
  rule.kind = FrameRuleKind::Standard;
  rule.cfaFromRbp = fromRbp;
  rule.cfaOffset = cfaOffset;
  rule.rbpOffset = rbpOffset;
  return rule;
}

}  // namespace

BOOST_AUTO_TEST_CASE(reader_decodes_leb128_and_encoded_pointers) {
  const std::vector<std::uint8_t> bytes = {0xE5, 0x8E, 0x26, 0x7F, 0x80,
                                           0x7F, 0xF0, 0xFF, 0xFF, 0xFF};
  DwarfReader reader(addressOf(bytes), addressOf(bytes, bytes.size()));
  BOOST_TEST(reader.uleb128() == 624485u);
  BOOST_TEST(reader.sleb128() == -1);
  BOOST_TEST(reader.sleb128() == -128);
  const std::uintptr_t field = reader.position();
  BOOST_TEST(reader.encodedPointer(kEhPePcrel | kEhPeSdata4) == field - 16);
  BOOST_TEST(reader.ok());
  BOOST_TEST(reader.u8() == 0);  // past the end: fails, never reads
  BOOST_TEST(!reader.ok());
}

BOOST_AUTO_TEST_CASE(reader_refuses_indirect_and_truncated_pointers) {
  const std::vector<std::uint8_t> bytes = {1, 2, 3, 4, 5, 6, 7, 8};
  DwarfReader indirect(addressOf(bytes), addressOf(bytes, bytes.size()));
  indirect.encodedPointer(0x80 | kEhPeSdata4);
  BOOST_TEST(!indirect.ok());
  DwarfReader shortRead(addressOf(bytes), addressOf(bytes, 6));
  shortRead.encodedPointer(kEhPeUdata8);
  BOOST_TEST(!shortRead.ok());
}

BOOST_AUTO_TEST_CASE(eh_frame_hdr_search_finds_the_last_entry_not_after_pc) {
  // version 1, eh_frame_ptr udata4, count udata4, table datarel|sdata4; 3 entries.
  std::vector<std::uint8_t> hdr = {1, 0x03, 0x03, 0x3B};
  const auto put = [&](std::uint32_t v) {
    for (int i = 0; i < 4; ++i) hdr.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  };
  put(0);  // eh_frame_ptr (unused)
  put(3);
  for (const std::uint32_t start : {0x100u, 0x200u, 0x300u}) {
    put(start);
    put(start + 0x10);  // "FDE" address: start + 0x10 (data-relative)
  }
  const std::uintptr_t base = addressOf(hdr);
  const EhFrameHdrTable table = parseEhFrameHdr(base, addressOf(hdr, hdr.size()));
  BOOST_TEST(table.count == 3u);
  BOOST_TEST(findFdeCandidate(table, base + 0xFF) == 0u);
  BOOST_TEST(findFdeCandidate(table, base + 0x100) == base + 0x110);
  BOOST_TEST(findFdeCandidate(table, base + 0x2FF) == base + 0x210);
  BOOST_TEST(findFdeCandidate(table, base + 0x300) == base + 0x310);
  BOOST_TEST(findFdeCandidate(table, base + 0x9999) == base + 0x310);
  // A table that would run past its mapping is refused.
  BOOST_TEST(parseEhFrameHdr(base, addressOf(hdr, hdr.size() - 1)).entries == 0u);
}

BOOST_AUTO_TEST_CASE(prologue_rows_apply_up_to_and_including_pc) {
  // push rbp; mov rsp,rbp; ...; leave at 0x30; ret at 0x31.
  const EhFrame frame(kStandardCie,
                      {kAdvanceLoc | 1, kDefCfaOffset, 16, kOffset | kRbp, 2, kAdvanceLoc | 3,
                       kDefCfaRegister, kRbp, kAdvanceLoc1, 0x2D, kDefCfa, kRsp, 8},
                      0x40);
  BOOST_TEST((frame.ruleAt(0) == standard(false, 8)));
  BOOST_TEST((frame.ruleAt(1) == standard(false, 16, -16)));
  BOOST_TEST((frame.ruleAt(3) == standard(false, 16, -16)));
  BOOST_TEST((frame.ruleAt(4) == standard(true, 16, -16)));
  BOOST_TEST((frame.ruleAt(0x30) == standard(true, 16, -16)));
  BOOST_TEST((frame.ruleAt(0x31) == standard(false, 8, -16)));
  BOOST_TEST((frame.ruleAt(0x3F) == standard(false, 8, -16)));
  BOOST_TEST((frame.ruleAt(0x40).kind == FrameRuleKind::Unknown));  // past the FDE
  BOOST_TEST((deriveFrameRule(frame.fde(), addressOf(frame.bytes),
                              addressOf(frame.bytes, frame.bytes.size()), frame.start() - 1)
                  .kind == FrameRuleKind::Unknown));
}

BOOST_AUTO_TEST_CASE(remember_restore_state_and_restore) {
  // An epilogue in the middle of a function: remember, pop, ret, restore for the rest.
  const EhFrame frame(
      kStandardCie,
      {kAdvanceLoc | 1, kDefCfaOffset, 16, kOffset | kRbp, 2, kAdvanceLoc | 4, kRememberState,
       kDefCfaOffset, 8, kRestore | kRbp, kAdvanceLoc | 2, kRestoreState, kArgsSize, 16},
      0x20);
  BOOST_TEST((frame.ruleAt(4) == standard(false, 16, -16)));
  BOOST_TEST((frame.ruleAt(5) == standard(false, 8)));
  BOOST_TEST((frame.ruleAt(6) == standard(false, 8)));
  BOOST_TEST((frame.ruleAt(7) == standard(false, 16, -16)));
}

BOOST_AUTO_TEST_CASE(undefined_return_address_is_the_outermost_frame) {
  const EhFrame frame(kStandardCie, {kUndefined, kRa}, 0x10);
  BOOST_TEST((frame.ruleAt(4).kind == FrameRuleKind::Outermost));
}

BOOST_AUTO_TEST_CASE(unusual_rules_are_unknown) {
  const auto unknownAt = [](std::initializer_list<std::uint8_t> fde, std::uintptr_t at = 4) {
    const EhFrame frame(kStandardCie, fde, 0x10);
    return frame.ruleAt(at).kind == FrameRuleKind::Unknown;
  };
  BOOST_TEST(unknownAt({kDefCfaExpression, 2, 0x77, 0x08}));  // CFA from an expression
  BOOST_TEST(unknownAt({kExpression, 3, 1, 0x30}));           // rbx from an expression
  BOOST_TEST(unknownAt({kValOffset, 3, 2}));                  // val_offset
  BOOST_TEST(unknownAt({kDefCfa, 3, 16}));                    // CFA from rbx
  BOOST_TEST(unknownAt({kRegister, kRbp, 3}));                // rbp kept in rbx
  BOOST_TEST(unknownAt({kOffset | 17, 2}));                   // xmm0: libunwind refuses
  BOOST_TEST(unknownAt({kOffset | kRa, 2}));                  // return address at CFA-16
  BOOST_TEST(unknownAt({kOffset | kRsp, 2}));                 // rsp saved
  BOOST_TEST(unknownAt({kUndefined, kRbp}));                  // rbp undefined
  BOOST_TEST(unknownAt({kRestoreState}));                     // stack underflow
  BOOST_TEST(unknownAt({0x3F}));                              // unknown opcode
  // Instructions after pc do not matter (libunwind never reads them either).
  BOOST_TEST(!unknownAt({kAdvanceLoc | 8, kDefCfaExpression, 2, 0x77, 0x08}));
}

BOOST_AUTO_TEST_CASE(signal_frames_and_unknown_augmentations_are_unknown) {
  const EhFrame signalFrame(kStandardCie, {}, 0x10, "zRS");
  BOOST_TEST((signalFrame.ruleAt(0).kind == FrameRuleKind::Unknown));
  const EhFrame oldStyle(kStandardCie, {}, 0x10, "eh");
  BOOST_TEST((oldStyle.ruleAt(0).kind == FrameRuleKind::Unknown));
  const EhFrame version4(kStandardCie, {}, 0x10, "zR", 4);
  BOOST_TEST((version4.ruleAt(0).kind == FrameRuleKind::Unknown));
}

BOOST_AUTO_TEST_CASE(records_reaching_past_their_bounds_are_unknown) {
  const EhFrame frame(kStandardCie, {kAdvanceLoc | 1, kDefCfaOffset, 16}, 0x10);
  const std::uintptr_t begin = addressOf(frame.bytes);
  const std::uintptr_t end = addressOf(frame.bytes, frame.bytes.size());
  BOOST_TEST((deriveFrameRule(frame.fde(), begin, end, frame.start() + 2).kind ==
              FrameRuleKind::Standard));
  BOOST_TEST((deriveFrameRule(frame.fde(), begin, end - 1, frame.start() + 2).kind ==
              FrameRuleKind::Unknown));
  BOOST_TEST((deriveFrameRule(frame.fde(), frame.fde(), end, frame.start() + 2).kind ==
              FrameRuleKind::Unknown));  // its CIE lies before the bounds
}

BOOST_AUTO_TEST_CASE(maps_lines_and_the_mapping_of_the_stack) {
  const char line[] = "7ffd1c2e0000-7ffd1c301000 rw-p 00000000 00:00 0    [stack]";
  MappingBounds bounds;
  BOOST_TEST(parseMapsLine(line, line + sizeof line - 1, &bounds));
  BOOST_TEST(bounds.begin == 0x7ffd1c2e0000u);
  BOOST_TEST(bounds.end == 0x7ffd1c301000u);
  const char bad[] = "zz-10 r--p";
  BOOST_TEST(!parseMapsLine(bad, bad + sizeof bad - 1, &bounds));

  int local = 0;
  const auto here = reinterpret_cast<std::uintptr_t>(&local);
  const MappingBounds stack = findMappingBounds(here);
  BOOST_TEST(stack.begin <= here);
  BOOST_TEST(here < stack.end);
  BOOST_TEST(findMappingBounds(0x1000).end == 0u);  // the zero page is never mapped
}
