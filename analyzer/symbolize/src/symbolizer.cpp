// SPDX-License-Identifier: MIT
/// @brief Symbolizer facade: per-module sessions, result caches and resolution statistics.
#include "memprof/symbolize/symbolizer.h"

#include <exception>
#include <limits>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "debuginfo_search.h"
#include "die_index.h"
#include "dwarf_frames.h"
#include "dwfl_session.h"
#include "frame_record.h"
#include "symtab_lookup.h"

namespace memprof::symbolize {

namespace {

using detail::DebugSearchConfig;
using detail::DieIndex;
using detail::DwflSession;
using detail::FrameBuilder;
using detail::FrameRecord;
using detail::ScopeChain;
using detail::StringPool;
using detail::SymtabLookup;

/// Where one address's frames sit in ModuleState::frames.
struct FrameSpan {
  std::uint32_t first = 0;
  std::uint32_t count = 0;
};

/// Everything we know about one module file (path + build-id). The load bias is not part of
/// the key: sessions work in file addresses, so one state serves every load of the file.
struct ModuleState {
  explicit ModuleState(StringPool& pool) : frames(pool), symbols(pool) {}

  DwflSession session;
  Dwarf_Addr start = 0;  ///< file address range covered by PT_LOAD segments
  Dwarf_Addr end = 0;
  std::unique_ptr<DieIndex> dies;
  FrameBuilder frames;
  SymtabLookup symbols;
  ScopeChain scratch;  ///< reused between lookups to avoid reallocating
  /// All cached frames back to back; a per-address vector would cost a heap block each.
  std::vector<FrameRecord> records;
  std::unordered_map<std::uint64_t, FrameSpan> results;  ///< by file address
  std::size_t statsIndex = 0;
};

struct ModuleKey {
  std::string path;
  std::string buildId;
  bool operator==(const ModuleKey&) const = default;
};

struct ModuleKeyHash {
  std::size_t operator()(const ModuleKey& key) const noexcept {
    const std::hash<std::string_view> h;
    return h(key.path) * 1099511628211ull ^ h(key.buildId);
  }
};

}  // namespace

struct Symbolizer::Impl {
  explicit Impl(const SymbolizerOptions& options) : config(options) {}

  ModuleState& moduleFor(const ModuleRef& ref);
  FrameSpan lookup(ModuleState& state, std::uint64_t fileAddress);
  void symbolize(ModuleState& state, std::uint64_t fileAddress, std::vector<FrameRecord>& out);

  DebugSearchConfig config;
  StringPool strings;  ///< shared by all modules; declared before them, destroyed after
  std::unordered_map<ModuleKey, std::unique_ptr<ModuleState>, ModuleKeyHash> modules;
  ModuleState* lastState = nullptr;  ///< stack walks hit the same module many times in a row
  ModuleKey lastKey;
  std::vector<ModuleStats> stats;
  std::unordered_map<std::string, std::size_t> statsByPath;
  std::vector<FrameRecord> pending;   ///< frames of the address being symbolized
  std::vector<SourceFrame> returned;  ///< what resolveRef hands out; capacity is reused
};

ModuleState& Symbolizer::Impl::moduleFor(const ModuleRef& ref) {
  if (lastState != nullptr && ref.path == lastKey.path && ref.buildId == lastKey.buildId) {
    return *lastState;
  }
  ModuleKey key{ref.path, ref.buildId};
  auto it = modules.find(key);
  if (it == modules.end()) {
    auto state = std::make_unique<ModuleState>(strings);
    state->session = detail::openSession(config, ref.path, ref.buildId);
    if (Dwfl_Module* mod = state->session.module) {
      dwfl_module_info(mod, nullptr, &state->start, &state->end, nullptr, nullptr, nullptr,
                       nullptr);
      state->dies = std::make_unique<DieIndex>(mod);
    }
    auto [statsIt, inserted] = statsByPath.try_emplace(ref.path, stats.size());
    if (inserted) {
      ModuleStats fresh;
      fresh.path = ref.path;
      stats.push_back(std::move(fresh));
    }
    state->statsIndex = statsIt->second;
    // Several build-ids under one path (a rebuilt library across runs) share a stats entry.
    stats[state->statsIndex].missing |= state->session.missing;
    stats[state->statsIndex].buildIdMismatch |= state->session.buildIdMismatch;
    it = modules.emplace(key, std::move(state)).first;
  }
  lastState = it->second.get();
  lastKey = std::move(key);
  return *lastState;
}

void Symbolizer::Impl::symbolize(ModuleState& state, std::uint64_t fileAddress,
                                 std::vector<FrameRecord>& out) {
  Dwfl_Module* mod = state.session.module;
  // Outside the PT_LOAD span the symbol table would still offer its "nearest" symbol.
  if (mod == nullptr || fileAddress < state.start || fileAddress >= state.end) return;
  ScopeChain& chain = state.scratch;
  const bool haveCu = state.dies->lookup(fileAddress, chain);
  if (haveCu && !chain.functions.empty()) {
    state.frames.build(chain, out);
  } else {
    // Code with a line table but no subprogram DIE (assembly), or no DWARF at all.
    FrameRecord frame{strings.empty(), strings.empty(), 0, 0, false};
    if (haveCu && chain.cu != nullptr) state.frames.lineLocation(*chain.cu, chain.pc, frame);
    out.push_back(frame);
  }
  // The outermost frame is the real (not inlined) function, which is what symbols describe.
  if (out.back().function->empty()) out.back().function = state.symbols.nameAt(mod, fileAddress);
}

FrameSpan Symbolizer::Impl::lookup(ModuleState& state, std::uint64_t fileAddress) {
  if (const auto it = state.results.find(fileAddress); it != state.results.end()) {
    return it->second;
  }
  pending.clear();
  try {
    symbolize(state, fileAddress, pending);
  } catch (const std::exception&) {
    // Only allocation failures can get here; degrade this address instead of the whole run.
    pending.clear();
  }
  if (pending.empty()) pending.push_back({strings.empty(), strings.empty(), 0, 0, false});
  bool named = false;
  for (const FrameRecord& frame : pending) named = named || !frame.function->empty();
  ModuleStats& counts = stats[state.statsIndex];
  ++(named ? counts.resolved : counts.unresolved);

  if (state.records.size() + pending.size() > std::numeric_limits<std::uint32_t>::max()) {
    // 4G cached frames of one module cannot happen in practice; start over rather than wrap.
    state.results.clear();
    state.records.clear();
  }
  FrameSpan span;
  span.count = static_cast<std::uint32_t>(pending.size());
  span.first = static_cast<std::uint32_t>(state.records.size());
  state.records.insert(state.records.end(), pending.begin(), pending.end());
  state.results.emplace(fileAddress, span);
  return span;
}

Symbolizer::Symbolizer(SymbolizerOptions options) : m_impl(std::make_unique<Impl>(options)) {}

Symbolizer::~Symbolizer() = default;

const std::vector<SourceFrame>& Symbolizer::resolveRef(const ModuleRef& module,
                                                       std::uint64_t address,
                                                       bool isReturnAddress) {
  ModuleState& state = m_impl->moduleFor(module);
  // A return address points after the call; address-1 is inside the call instruction, so the
  // line (and inline context) is the call's, not the next statement's.
  const std::uint64_t lookup = isReturnAddress && address != 0 ? address - 1 : address;
  // Unsigned wrap-around for addresses below the base gives a huge file address: "unknown".
  const FrameSpan span = m_impl->lookup(state, lookup - module.base);
  // Assigning into the previous call's strings reuses their buffers: no allocation per call
  // once names of typical length have been seen.
  std::vector<SourceFrame>& out = m_impl->returned;
  out.resize(span.count);
  for (std::uint32_t i = 0; i < span.count; ++i) {
    const FrameRecord& record = state.records[span.first + i];
    SourceFrame& frame = out[i];
    frame.function = *record.function;
    frame.file = *record.file;
    frame.line = record.line;
    frame.column = record.column;
    frame.inlined = record.inlined;
  }
  return out;
}

std::vector<SourceFrame> Symbolizer::resolve(const ModuleRef& module, std::uint64_t address,
                                             bool isReturnAddress) {
  return resolveRef(module, address, isReturnAddress);
}

std::vector<ModuleStats> Symbolizer::stats() const { return m_impl->stats; }

}  // namespace memprof::symbolize
