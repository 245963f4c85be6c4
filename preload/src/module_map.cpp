// SPDX-License-Identifier: MIT
/// @brief dl_iterate_phdr snapshots, build-id extraction and address coverage.
#include "module_map.h"

#include <elf.h>
#include <link.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "internal_memory.h"
#include "loader_lock_guard.h"
#include "log_sink.h"
#include "memprof/format/encoder.h"

namespace memprof::preload {

constinit std::atomic<std::uint32_t> g_cacheEpoch{0};

namespace {

struct Range {
  std::uintptr_t begin;
  std::uintptr_t end;
};

struct Coverage {
  std::size_t count;
  Range ranges[1];  // sorted by begin; allocated larger
};

std::atomic<std::uint32_t> s_generation{0};
std::atomic<Coverage*> s_coverage{nullptr};
pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
unsigned long long s_seenAdds = 0;
unsigned long long s_seenSubs = 0;
std::uint64_t s_lastSignature = 0;
std::atomic<bool> s_haveSnapshot{false};  // written under s_lock; read lock-free by pollModules
std::uintptr_t s_selfBegin = 0;
std::uintptr_t s_selfEnd = 0;

constexpr std::size_t kMaxRanges = 8192;
constexpr std::size_t kRecordBytes = 4U << 20;
std::uint8_t* s_record = nullptr;  // encode buffer for Modules records (internal memory)
char s_exePath[4096];

struct SnapshotState {
  format::Encoder* encoder;
  Range* ranges;
  std::size_t rangeCount;
  std::uint64_t signature;
  std::size_t modules;
};

std::string_view buildIdOf(const dl_phdr_info* info) {
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_NOTE) continue;
    auto* p = reinterpret_cast<const std::uint8_t*>(info->dlpi_addr + ph.p_vaddr);
    const std::uint8_t* end = p + ph.p_memsz;
    while (p + sizeof(ElfW(Nhdr)) <= end) {
      const auto* note = reinterpret_cast<const ElfW(Nhdr)*>(p);
      const std::size_t nameSize = (note->n_namesz + 3U) & ~3U;
      const std::size_t descSize = (note->n_descsz + 3U) & ~3U;
      const std::uint8_t* name = p + sizeof(ElfW(Nhdr));
      const std::uint8_t* desc = name + nameSize;
      if (desc + note->n_descsz > end) break;
      if (note->n_type == NT_GNU_BUILD_ID && note->n_namesz == 4 &&
          std::memcmp(name, "GNU", 4) == 0) {
        return {reinterpret_cast<const char*>(desc), note->n_descsz};
      }
      p = desc + descSize;
    }
  }
  return {};
}

int collect(dl_phdr_info* info, size_t /*size*/, void* data) {
  auto* state = static_cast<SnapshotState*>(data);
  const char* name = info->dlpi_name;
  if ((name == nullptr || name[0] == '\0') && state->modules == 0) name = s_exePath;
  if (name == nullptr) name = "";
  format::Encoder& e = *state->encoder;
  e.string(name).varint(info->dlpi_addr).string(buildIdOf(info));
  int loads = 0;
  for (int i = 0; i < info->dlpi_phnum; ++i) loads += info->dlpi_phdr[i].p_type == PT_LOAD;
  e.varint(static_cast<std::uint64_t>(loads));
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD) continue;
    e.varint(ph.p_vaddr).varint(ph.p_memsz).varint(ph.p_flags);
    if ((ph.p_flags & PF_X) != 0 && state->rangeCount < kMaxRanges) {
      const std::uintptr_t b = info->dlpi_addr + ph.p_vaddr;
      state->ranges[state->rangeCount++] = Range{b, b + ph.p_memsz};
    }
  }
  state->signature = state->signature * 1099511628211ULL + info->dlpi_addr + 0x9e37;
  ++state->modules;
  return 0;
}

int readCounters(dl_phdr_info* info, size_t /*size*/, void* data) {
  auto* out = static_cast<unsigned long long*>(data);
  out[0] = info->dlpi_adds;
  out[1] = info->dlpi_subs;
  return 1;  // the counters are the same in every entry: stop after the first
}

}  // namespace

std::uint32_t moduleGeneration() noexcept { return s_generation.load(std::memory_order_acquire); }

bool moduleCovers(std::uintptr_t ip) noexcept {
  const Coverage* c = s_coverage.load(std::memory_order_acquire);
  if (c == nullptr) return false;
  std::size_t lo = 0;
  std::size_t hi = c->count;
  while (lo < hi) {  // first range with begin > ip
    const std::size_t mid = (lo + hi) / 2;
    if (c->ranges[mid].begin <= ip)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo > 0 && ip < c->ranges[lo - 1].end;
}

std::uint32_t refreshModules(bool force) noexcept {
  const LoaderScope loader;
  if (!loader) return moduleGeneration();  // a fork is being prepared: the next poll catches up
  pthread_mutex_lock(&s_lock);
  if (s_record == nullptr) {
    s_record = static_cast<std::uint8_t*>(internalMap(kRecordBytes));
    const ssize_t n = readlink("/proc/self/exe", s_exePath, sizeof s_exePath - 1);
    s_exePath[n > 0 ? n : 0] = '\0';
  }
  auto* coverage =
      static_cast<Coverage*>(internalMap(sizeof(Coverage) + kMaxRanges * sizeof(Range)));
  if (s_record == nullptr || coverage == nullptr) {
    pthread_mutex_unlock(&s_lock);
    return moduleGeneration();
  }
  unsigned long long counters[2] = {0, 0};
  dl_iterate_phdr(readCounters, counters);

  const std::uint32_t generation =
      s_generation.load(std::memory_order_relaxed) + (s_haveSnapshot ? 1 : 0);
  format::Encoder e(s_record, kRecordBytes);
  e.type(format::RecordType::Modules).varint(generation);
  // The count is not known before iterating: reserve a fixed 3-byte varint slot.
  const std::size_t countAt = e.size();
  e.u8(0x80).u8(0x80).u8(0);
  SnapshotState state{&e, coverage->ranges, 0, 0, 0};
  dl_iterate_phdr(collect, &state);
  s_record[countAt] = static_cast<std::uint8_t>(0x80U | (state.modules & 0x7FU));
  s_record[countAt + 1] = static_cast<std::uint8_t>(0x80U | ((state.modules >> 7) & 0x7FU));
  s_record[countAt + 2] = static_cast<std::uint8_t>((state.modules >> 14) & 0x7FU);

  const bool changed = !s_haveSnapshot || state.signature != s_lastSignature;
  s_seenAdds = counters[0];
  s_seenSubs = counters[1];
  if ((changed || force) && e.ok()) {
    std::sort(coverage->ranges, coverage->ranges + state.rangeCount,
              [](const Range& a, const Range& b) { return a.begin < b.begin; });
    coverage->count = state.rangeCount;
    // Old coverage arrays are leaked on purpose: a lock-free reader may still hold one.
    s_coverage.store(coverage, std::memory_order_release);
    s_lastSignature = state.signature;
    s_haveSnapshot = true;
    writeProcessRecord(s_record, e.size());
    s_generation.store(generation, std::memory_order_release);
  } else {
    internalUnmap(coverage, sizeof(Coverage) + kMaxRanges * sizeof(Range));
  }
  const std::uint32_t current = s_generation.load(std::memory_order_relaxed);
  pthread_mutex_unlock(&s_lock);
  return current;
}

void pollModules() noexcept {
  unsigned long long counters[2] = {0, 0};
  {
    const LoaderScope loader;
    if (!loader) return;  // a fork is being prepared: poll at the next tick
    dl_iterate_phdr(readCounters, counters);
  }
  // A forked child starts without a snapshot in its own log: write one even though no module
  // changed, or none of the child's addresses could be symbolized.
  if (!s_haveSnapshot.load(std::memory_order_relaxed) || counters[0] != s_seenAdds ||
      counters[1] != s_seenSubs) {
    refreshModules(false);
  }
}

void resetModuleLockAfterFork() noexcept {
  s_lock = PTHREAD_MUTEX_INITIALIZER;
  s_haveSnapshot = false;  // the child's log needs its own first snapshot
}

void initSelfRange() noexcept {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&initSelfRange), &info) == 0) return;
  struct Query {
    const void* base;
    std::uintptr_t begin, end;
  } q{info.dli_fbase, 0, 0};
  dl_iterate_phdr(
      [](dl_phdr_info* i, size_t, void* data) -> int {
        auto* query = static_cast<Query*>(data);
        for (int k = 0; k < i->dlpi_phnum; ++k) {
          const ElfW(Phdr)& ph = i->dlpi_phdr[k];
          if (ph.p_type != PT_LOAD || (ph.p_flags & PF_X) == 0) continue;
          const std::uintptr_t b = i->dlpi_addr + ph.p_vaddr;
          if (reinterpret_cast<std::uintptr_t>(query->base) <= b + ph.p_memsz &&
              reinterpret_cast<std::uintptr_t>(&initSelfRange) >= b &&
              reinterpret_cast<std::uintptr_t>(&initSelfRange) < b + ph.p_memsz) {
            query->begin = b;
            query->end = b + ph.p_memsz;
            return 1;
          }
        }
        return 0;
      },
      &q);
  s_selfBegin = q.begin;
  s_selfEnd = q.end;
}

bool isSelfAddress(std::uintptr_t ip) noexcept { return ip >= s_selfBegin && ip < s_selfEnd; }

}  // namespace memprof::preload
