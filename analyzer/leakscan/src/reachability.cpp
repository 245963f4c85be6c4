// SPDX-License-Identifier: MIT
/// @brief The mark phase (roots → reachable/possible) and clique phase (lost → definite/indirect).
#include "memprof/leakscan/reachability.h"

#include <algorithm>

namespace memprof::leakscan {

namespace {

enum State : std::uint8_t { kUnreached = 0, kPossible = 1, kReachable = 2, kIndirect = 3 };

constexpr std::size_t kWindowWords = 8192;  // 64 KiB read at a time

class Classifier {
 public:
  Classifier(const std::vector<Block>& blocks, MemorySource& memory, ScanStats& stats,
             ScanOptions options)
      : m_blocks(blocks),
        m_memory(memory),
        m_stats(stats),
        m_options(options),
        m_state(blocks.size(), kUnreached) {
    m_addrs.reserve(blocks.size());
    for (const Block& b : blocks) {
      m_addrs.push_back(b.addr);
      m_hi = std::max(m_hi, b.addr + std::max<std::uint64_t>(b.size, 1));
    }
    if (!blocks.empty()) m_lo = blocks.front().addr;
    m_window.resize(kWindowWords);
  }

  void markFromRoots(const std::vector<Range>& roots) {
    for (const Range& r : roots) {
      m_stats.rootBytes += r.end > r.begin ? r.end - r.begin : 0;
      forEachWord(r.begin, r.end, [this](std::uint64_t v) { mark(v, true); });
      drainMarkStack();
    }
  }

  void findCliques() {
    for (std::size_t leader = 0; leader < m_blocks.size(); ++leader) {
      if (m_state[leader] != kUnreached) continue;
      m_stack.push_back(leader);
      while (!m_stack.empty()) {
        const std::size_t i = m_stack.back();
        m_stack.pop_back();
        scanBlock(i, [&](std::uint64_t v) {
          bool start = false;
          const std::size_t j = find(v, &start);
          if (j == kNone || j == leader || m_state[j] != kUnreached) return;
          m_state[j] = kIndirect;  // also absorbs an earlier leader: it is reached from here
          m_stack.push_back(j);
        });
      }
    }
  }

  [[nodiscard]] std::vector<format::LeakKind> verdicts() const {
    std::vector<format::LeakKind> out(m_state.size());
    for (std::size_t i = 0; i < m_state.size(); ++i) {
      switch (m_state[i]) {
        case kReachable:
          out[i] = format::LeakKind::Reachable;
          break;
        case kPossible:
          out[i] = format::LeakKind::Possible;
          break;
        case kIndirect:
          out[i] = format::LeakKind::Indirect;
          break;
        default:
          out[i] = format::LeakKind::Definite;
          break;
      }
    }
    return out;
  }

 private:
  static constexpr std::size_t kNone = ~std::size_t{0};

  /// The size of the glibc chunk holding a request of @p n bytes (8-byte header, 16 aligned).
  static std::uint64_t glibcChunkSize(std::uint64_t n) {
    return std::max<std::uint64_t>(32, (n + 8 + 15) & ~std::uint64_t{15});
  }

  /// The block containing @p v (start == v is its first byte), or kNone.
  [[nodiscard]] std::size_t find(std::uint64_t v, bool* start) const {
    if (v < m_lo || v >= m_hi) return kNone;  // most words are not heap pointers: cheap exit
    const auto it = std::upper_bound(m_addrs.begin(), m_addrs.end(), v);
    if (it == m_addrs.begin()) return kNone;
    const auto i = static_cast<std::size_t>(it - m_addrs.begin() - 1);
    const Block& b = m_blocks[i];
    if (v - b.addr >= std::max<std::uint64_t>(b.size, 1)) return kNone;
    *start = v == b.addr;
    if (!*start && m_options.glibcChunkHeaders && v == b.addr - 16 + glibcChunkSize(b.size))
      return kNone;
    return i;
  }

  /// A pointer @p v seen in a root or a block; @p fromDefinite: the holder is a root or reachable.
  void mark(std::uint64_t v, bool fromDefinite) {
    bool start = false;
    const std::size_t i = find(v, &start);
    if (i == kNone) return;
    if (start && fromDefinite) {
      if (m_state[i] != kReachable) {
        m_state[i] = kReachable;
        m_stack.push_back(i);
      }
    } else if (m_state[i] == kUnreached) {
      m_state[i] = kPossible;
      m_stack.push_back(i);
    }
  }

  void drainMarkStack() {
    while (!m_stack.empty()) {
      const std::size_t i = m_stack.back();
      m_stack.pop_back();
      const bool definite = m_state[i] == kReachable;
      scanBlock(i, [&](std::uint64_t v) { mark(v, definite); });
    }
  }

  template <typename F>
  void scanBlock(std::size_t i, F&& onWord) {
    const Block& b = m_blocks[i];
    m_stats.blockBytes += b.size;
    forEachWord(b.addr, b.addr + b.size, onWord);
  }

  /// Calls @p onWord for every 8-byte-aligned word wholly inside [begin, end).
  template <typename F>
  void forEachWord(std::uint64_t begin, std::uint64_t end, F&& onWord) {
    std::uint64_t at = (begin + 7) & ~std::uint64_t{7};
    end &= ~std::uint64_t{7};
    while (at < end) {
      const std::size_t words =
          static_cast<std::size_t>(std::min<std::uint64_t>((end - at) / 8, kWindowWords));
      // onWord only pushes onto the mark stack, never reads: one window suffices.
      m_memory.read(at, m_window.data(), words * 8);
      m_stats.words += words;
      for (std::size_t k = 0; k < words; ++k) onWord(m_window[k]);
      at += words * 8;
    }
  }

  const std::vector<Block>& m_blocks;
  MemorySource& m_memory;
  ScanStats& m_stats;
  ScanOptions m_options;
  std::vector<std::uint8_t> m_state;
  std::vector<std::uint64_t> m_addrs;
  std::vector<std::size_t> m_stack;
  std::vector<std::uint64_t> m_window;
  std::uint64_t m_lo = 0;
  std::uint64_t m_hi = 0;
};

}  // namespace

std::vector<format::LeakKind> classify(const std::vector<Block>& blocks,
                                       const std::vector<Range>& roots, MemorySource& memory,
                                       ScanStats* stats, ScanOptions options) {
  ScanStats local;
  Classifier c(blocks, memory, stats != nullptr ? *stats : local, options);
  c.markFromRoots(roots);
  c.findCliques();
  return c.verdicts();
}

}  // namespace memprof::leakscan
