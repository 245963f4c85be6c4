// SPDX-License-Identifier: MIT
/// @brief Per-stack figures, named by the stack's innermost node id, stored densely.
///
/// Why not one entry per node id: only the innermost nodes of event stacks carry figures, and
/// a deep-stack log has several nodes per such stack (4.8M nodes, 1.5M event stacks on the
/// deep benchmark). A 4-byte index per node id and 56-byte figures per event stack take a
/// third of the memory a 56-byte entry per node did.
#pragma once

#include <cstdint>
#include <type_traits>

#include "memprof/aggregate/chunked_vector.h"

namespace memprof::aggregate {

struct StackFigures {
  std::uint64_t allocations = 0;
  std::uint64_t bytes = 0;
  std::uint64_t liveBytes = 0;
  std::uint64_t liveCount = 0;
  std::uint64_t peakBytes = 0;  ///< valid once HeapReplay::finish() ran
  std::uint64_t peakStamp = 0;
  std::uint64_t samples = 0;
};
static_assert(std::is_trivially_copyable_v<StackFigures>, "stored as zeroed pages");

class StackFigureTable {
 public:
  /// The figures of @p stack, created (all zero) on first use. Inline: once per heap event.
  StackFigures& at(std::uint32_t stack) {
    if (stack < m_slotOf.size()) {
      const std::uint32_t slot = m_slotOf[stack];
      if (slot != 0) [[likely]]
        return m_figures[slot - 1];
    }
    return create(stack);
  }

  /// Figures of @p stack; all zero for a stack without any.
  const StackFigures& operator[](std::uint32_t stack) const {
    static const StackFigures kNone{};
    if (stack >= m_slotOf.size() || m_slotOf[stack] == 0) return kNone;
    return m_figures[m_slotOf[stack] - 1];
  }

  /// Starts loading where @p stack's slot index lives (the figures follow from it).
  /// (always_inline: see PointerMap::prefetch.)
  [[gnu::always_inline]] void prefetch(std::uint32_t stack) const {
    if (stack < m_slotOf.size()) __builtin_prefetch(&m_slotOf[stack]);
  }

  /// One more than the largest stack id with figures (0 when none): a bound for id tables.
  [[nodiscard]] std::size_t idLimit() const { return m_slotOf.size(); }
  /// How many stacks have figures.
  [[nodiscard]] std::size_t count() const { return m_figures.size(); }

  /// Calls @p f(stackId, figures) for every stack with figures, in increasing id order.
  template <typename F>
  void forEach(F&& f) const {
    for (std::size_t id = 0; id < m_slotOf.size(); ++id) {
      const std::uint32_t slot = m_slotOf[id];
      if (slot != 0) f(static_cast<std::uint32_t>(id), m_figures[slot - 1]);
    }
  }
  /// Every stack's figures, in no particular order, for updating in place.
  template <typename F>
  void forEachMutable(F&& f) {
    for (std::size_t i = 0; i < m_figures.size(); ++i) f(m_figures[i]);
  }

 private:
  /// First figures of @p stack (out of line: once per distinct stack).
  [[gnu::noinline]] StackFigures& create(std::uint32_t stack) {
    if (stack >= m_slotOf.size()) m_slotOf.resize(std::size_t{stack} + 1);
    m_figures.resize(m_figures.size() + 1);
    m_slotOf[stack] = static_cast<std::uint32_t>(m_figures.size());
    return m_figures[m_figures.size() - 1];
  }

  ChunkedVector<std::uint32_t> m_slotOf;  ///< by stack id: index in m_figures + 1, 0 = none
  ChunkedVector<StackFigures> m_figures;
};

}  // namespace memprof::aggregate
