// SPDX-License-Identifier: MIT
// inline_attrib.cpp — allocations made inside always_inline functions. Inlined frames are
// frames: `self` lands on the line inside the inlined function, `total` also counts the
// lines that call it.
//   @inl_inner_alloc  malloc(333) inside inner_alloc (always_inline), reached through
//   @inl_outer_call   outer_alloc (always_inline) calling inner_alloc, itself called from
//   @inl_main_call    main.  One block of 333 B, leaked (definite).
//   @inl_new          new char[444] inside new_alloc (always_inline), called from
//   @inl_new_call     main. 444 B, freed.
// Expected: self at @inl_inner_alloc: 1 alloc, 333 B, leaked 333; self at @inl_outer_call and
// @inl_main_call: nothing; total at all three: 1 alloc, 333 B. Same for the new[] pair (444 B).
#include <cstdlib>

#include "mpt_util.h"

__attribute__((always_inline)) static inline void *inner_alloc(std::size_t n) {
  void *p = std::malloc(n); /* @inl_inner_alloc */
  return p;
}

__attribute__((always_inline)) static inline void *outer_alloc(std::size_t n) {
  void *p = inner_alloc(n); /* @inl_outer_call */
  return p;
}

__attribute__((always_inline)) static inline char *new_alloc(std::size_t n) {
  char *p = new char[n]; /* @inl_new */
  return p;
}

__attribute__((noinline)) static void leak() {
  void *p = outer_alloc(333); /* @inl_main_call */
  mpt_sink(p);
  mpt_sink(nullptr);
}

int main() {
  leak();
  char *q = new_alloc(444); /* @inl_new_call */
  mpt_sink(q);
  delete[] q;
  mpt_sink(nullptr);
  mpt_scrub_stack();
  return 0;
}
