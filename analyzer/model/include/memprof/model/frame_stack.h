// SPDX-License-Identifier: MIT
/// @brief A call stack as ids into a pool of frames shared by every stack of a report.
///
/// Why: a compiler's report has tens of thousands of leak stacks and millions of leak frames,
/// but only a few thousand distinct frames. Copying a Frame (three strings) per stack entry cost
/// ~480 MB and a tenth of the analysis; ids into a shared pool cost 4 bytes each. Reads look
/// like a std::vector<Frame> (iteration, size, [], front) so renderers need not know.
/// Thread-safety: like a std::vector; copies share the pool, which nobody changes afterwards
/// except by appending (ids stay valid).
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace memprof::model {

struct Frame {
  std::string function;
  std::string file;
  std::uint32_t line = 0;
  std::string module;
  std::uint64_t address = 0;
  bool inlined = false;
};

class FrameStack {
 public:
  using Pool = std::vector<Frame>;

  FrameStack() = default;
  /// A stack of its own (tests, hand-built reports): the frames become a private pool.
  FrameStack(std::vector<Frame> frames)  // NOLINT(google-explicit-constructor)
      : m_pool(std::make_shared<Pool>(std::move(frames))) {
    m_ids.reserve(m_pool->size());
    for (std::size_t i = 0; i < m_pool->size(); ++i) m_ids.push_back(static_cast<std::uint32_t>(i));
  }
  /// @p ids index @p pool, innermost frame first.
  FrameStack(std::shared_ptr<const Pool> pool, std::vector<std::uint32_t> ids)
      : m_pool(std::const_pointer_cast<Pool>(std::move(pool))), m_ids(std::move(ids)) {}

  class const_iterator {
   public:
    using iterator_category = std::random_access_iterator_tag;
    using value_type = Frame;
    using difference_type = std::ptrdiff_t;
    using pointer = const Frame*;
    using reference = const Frame&;
    const_iterator() = default;
    const_iterator(const Pool* pool, const std::uint32_t* id) : m_pool(pool), m_id(id) {}
    reference operator*() const { return (*m_pool)[*m_id]; }
    pointer operator->() const { return &(*m_pool)[*m_id]; }
    reference operator[](difference_type n) const { return (*m_pool)[m_id[n]]; }
    const_iterator& operator++() {
      ++m_id;
      return *this;
    }
    const_iterator operator++(int) { return {m_pool, m_id++}; }
    const_iterator& operator--() {
      --m_id;
      return *this;
    }
    const_iterator operator--(int) { return {m_pool, m_id--}; }
    const_iterator& operator+=(difference_type n) {
      m_id += n;
      return *this;
    }
    const_iterator& operator-=(difference_type n) {
      m_id -= n;
      return *this;
    }
    friend const_iterator operator+(const_iterator it, difference_type n) { return it += n; }
    friend const_iterator operator+(difference_type n, const_iterator it) { return it += n; }
    friend const_iterator operator-(const_iterator it, difference_type n) { return it -= n; }
    friend difference_type operator-(const const_iterator& a, const const_iterator& b) {
      return a.m_id - b.m_id;
    }
    friend bool operator==(const const_iterator& a, const const_iterator& b) {
      return a.m_id == b.m_id;
    }
    friend auto operator<=>(const const_iterator& a, const const_iterator& b) {
      return a.m_id <=> b.m_id;
    }

   private:
    const Pool* m_pool = nullptr;
    const std::uint32_t* m_id = nullptr;
  };

  [[nodiscard]] std::size_t size() const { return m_ids.size(); }
  [[nodiscard]] bool empty() const { return m_ids.empty(); }
  const Frame& operator[](std::size_t i) const { return (*m_pool)[m_ids[i]]; }
  const Frame& front() const { return (*m_pool)[m_ids.front()]; }
  const Frame& back() const { return (*m_pool)[m_ids.back()]; }
  const_iterator begin() const { return {m_pool.get(), m_ids.data()}; }
  const_iterator end() const { return {m_pool.get(), m_ids.data() + m_ids.size()}; }

  /// Appends a frame; a stack sharing its pool first takes a private copy of its own frames.
  void push_back(Frame frame) {
    detach();
    m_ids.push_back(static_cast<std::uint32_t>(m_pool->size()));
    m_pool->push_back(std::move(frame));
  }
  /// Writable frame @p i (private copy first when the pool is shared).
  Frame& mutableFrame(std::size_t i) {
    detach();
    return (*m_pool)[m_ids[i]];
  }

  /// The shared pool and the ids into it, for renderers that cache per distinct frame.
  [[nodiscard]] const Pool* pool() const { return m_pool.get(); }
  [[nodiscard]] const std::vector<std::uint32_t>& ids() const { return m_ids; }

 private:
  void detach() {
    if (m_pool && m_pool.use_count() == 1) return;
    auto own = std::make_shared<Pool>();
    own->reserve(m_ids.size());
    for (std::size_t i = 0; i < m_ids.size(); ++i) {
      own->push_back((*m_pool)[m_ids[i]]);
      m_ids[i] = static_cast<std::uint32_t>(i);
    }
    m_pool = std::move(own);
  }

  std::shared_ptr<Pool> m_pool;
  std::vector<std::uint32_t> m_ids;
};

}  // namespace memprof::model
