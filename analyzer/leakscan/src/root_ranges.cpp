// SPDX-License-Identifier: MIT
/// @brief /proc/PID/maps parsing and the set algebra that turns mappings into root ranges.
#include "memprof/leakscan/root_ranges.h"

#include <dirent.h>
#include <elf.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>

namespace memprof::leakscan {

namespace {

bool isAnonymous(const Mapping& m) {
  return m.inode == 0 && (m.name.empty() || m.name.rfind("[anon:", 0) == 0 || m.name == "[stack]");
}

/// Whether [begin, end) holds a live block that no range of @p owned (normalised) covers.
bool holdsUnownedBlock(const std::vector<Block>& blocks, const std::vector<Range>& owned,
                       std::uint64_t begin, std::uint64_t end) {
  auto it = std::lower_bound(blocks.begin(), blocks.end(), begin,
                             [](const Block& b, std::uint64_t a) { return b.addr < a; });
  for (; it != blocks.end() && it->addr < end; ++it) {
    const auto r = std::upper_bound(owned.begin(), owned.end(), it->addr,
                                    [](std::uint64_t a, const Range& x) { return a < x.begin; });
    if (r == owned.begin() || std::prev(r)->end < it->addr + it->size) return true;
  }
  return false;
}

bool isSelf(const reader::Module& m, std::uint64_t selfBase) {
  if (selfBase != 0) return m.base == selfBase;
  const auto slash = m.path.rfind('/');
  return m.path.compare(slash == std::string::npos ? 0 : slash + 1, 11, "libmemprof.") == 0;
}

/// Sorts and merges overlapping or touching ranges.
std::vector<Range> normalise(std::vector<Range> ranges) {
  std::sort(ranges.begin(), ranges.end(),
            [](const Range& a, const Range& b) { return a.begin < b.begin; });
  std::vector<Range> out;
  for (const Range& r : ranges) {
    if (r.end <= r.begin) continue;
    if (!out.empty() && r.begin <= out.back().end)
      out.back().end = std::max(out.back().end, r.end);
    else
      out.push_back(r);
  }
  return out;
}

/// @p ranges minus @p holes (both normalised).
std::vector<Range> subtract(const std::vector<Range>& ranges, const std::vector<Range>& holes) {
  std::vector<Range> out;
  std::size_t h = 0;
  for (Range r : ranges) {
    while (h < holes.size() && holes[h].end <= r.begin) ++h;
    for (std::size_t k = h; k < holes.size() && holes[k].begin < r.end; ++k) {
      if (holes[k].begin > r.begin) out.push_back(Range{r.begin, holes[k].begin});
      r.begin = std::max(r.begin, holes[k].end);
    }
    if (r.begin < r.end) out.push_back(r);
  }
  return out;
}

/// @p ranges clipped to the readable mappings (a module's bss may be partly unmapped).
std::vector<Range> clipToReadable(const std::vector<Range>& ranges,
                                  const std::vector<Mapping>& maps) {
  std::vector<Range> readable;
  for (const Mapping& m : maps) {
    if (m.readable) readable.push_back(Range{m.begin, m.end});
  }
  readable = normalise(std::move(readable));
  std::vector<Range> out;
  for (const Range& r : ranges) {
    for (const Range& m : readable) {
      const std::uint64_t b = std::max(r.begin, m.begin);
      const std::uint64_t e = std::min(r.end, m.end);
      if (b < e) out.push_back(Range{b, e});
    }
  }
  return out;
}

constexpr std::uint64_t kPage = 4096;

}  // namespace

std::vector<Mapping> parseMaps(const std::string& text) {
  std::vector<Mapping> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream l(line);
    std::string range, perms, offset, dev;
    Mapping m;
    if (!(l >> range >> perms >> offset >> dev >> m.inode)) continue;
    const auto dash = range.find('-');
    if (dash == std::string::npos || perms.size() < 4) continue;
    m.begin = std::stoull(range.substr(0, dash), nullptr, 16);
    m.end = std::stoull(range.substr(dash + 1), nullptr, 16);
    m.readable = perms[0] == 'r';
    m.writable = perms[1] == 'w';
    m.priv = perms[3] == 'p';
    std::getline(l >> std::ws, m.name);
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<std::uint64_t> threadStackPointers(int pid) {
  std::vector<std::uint64_t> out;
  const std::string dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return out;
  while (const dirent* e = readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    std::ifstream f(dir + "/" + e->d_name + "/syscall");
    std::vector<std::string> fields;
    for (std::string w; f >> w;) fields.push_back(w);
    // "nr arg1..arg6 sp pc" in a system call, "-1 sp pc" when blocked otherwise, "running".
    if (fields.size() >= 3 && fields[0] != "running") {
      try {
        out.push_back(std::stoull(fields[fields.size() - 2], nullptr, 16));
      } catch (const std::exception&) {
      }
    }
  }
  closedir(d);
  return out;
}

std::vector<Range> rootRanges(const RootInputs& in) {
  static const std::vector<Block> kNoBlocks;
  const std::vector<Block>& blocks = in.blocks != nullptr ? *in.blocks : kNoBlocks;
  std::vector<Range> roots;
  std::vector<Range> holes = in.excluded;
  if (in.modules != nullptr) {
    for (const reader::Module& m : in.modules->modules) {
      const bool self = isSelf(m, in.selfBase);
      for (const reader::Segment& s : m.segments) {
        if ((s.flags & PF_W) == 0) continue;
        Range r{m.base + s.vaddr, m.base + s.vaddr + s.memsz};
        if (self) {
          // The bss beyond the file shows up as an anonymous mapping of its own: page-round.
          holes.push_back(Range{r.begin & ~(kPage - 1), (r.end + kPage - 1) & ~(kPage - 1)});
        } else {
          roots.push_back(r);
        }
      }
    }
  }
  const std::vector<Range> owned = normalise(in.allocatorOwned);
  holes.insert(holes.end(), owned.begin(), owned.end());
  holes = normalise(std::move(holes));
  for (const Mapping& m : in.maps) {
    if (!m.readable || !m.writable || !m.priv || !isAnonymous(m)) continue;
    if (holdsUnownedBlock(blocks, owned, m.begin, m.end)) continue;
    Range r{m.begin, m.end};
    for (const std::uint64_t sp : in.stackPointers) {
      if (sp >= m.begin && sp < m.end) r.begin = std::max(r.begin, sp & ~std::uint64_t{7});
    }
    // The size limit applies to what is left once the recorder's and the allocator's memory
    // is taken out: the kernel merges neighbouring anonymous mappings, so a small arena of
    // the program's may share one mapping with hundreds of MiB of the recorder's reservations.
    const std::vector<Range> pieces = subtract({r}, holes);
    std::uint64_t bytes = 0;
    for (const Range& p : pieces) bytes += p.end - p.begin;
    if (bytes > kMaxRootMapping) continue;
    roots.insert(roots.end(), pieces.begin(), pieces.end());
  }
  roots = clipToReadable(normalise(std::move(roots)), in.maps);
  return subtract(normalise(std::move(roots)), holes);
}

}  // namespace memprof::leakscan
