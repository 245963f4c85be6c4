// SPDX-License-Identifier: MIT
// cxx_new_delete.cpp — C++ operator new / new[] / delete / delete[] in all their forms.
// Each block is counted once, at the operator the program called (libstdc++'s operator new
// calls malloc; that inner call must not be counted again).
//
//   @new_int        new int(5)                        1 alloc, 4 B, freed by delete (sized)
//   @newarr100      new int[25]                       1 alloc, 100 B, freed by delete[]
//   @newarr_cookie  new Obj[10] (non-trivial dtor)    1 alloc, 10*8 + 8 (array cookie) = 88 B, freed
//   @nothrow300     new (std::nothrow) char[300]      1 alloc, 300 B, freed
//   @nothrow_fail   new (std::nothrow) char[SIZE_MAX/2] fails (inside, libstdc++ throws and
//                   catches bad_alloc, allocating the exception object): nothing at all
//   @aligned_new    new A64 (alignas(64), 192 B)      1 alloc, 192 B, freed (aligned sized delete)
//   @aligned_arr    new A64[4] (trivial dtor)         1 alloc, 768 B, freed (aligned delete[])
//   @raw_new        ::operator new(123)               1 alloc, 123 B, freed by ::operator delete
//   @raw_nothrow    ::operator new(77, nothrow)       1 alloc, 77 B, freed by ::operator delete
//   @newleak        new Leaky (40 B)                  1 alloc, 40 B, leaked (definite)
//   @vec_reserve    std::vector<int>::reserve(100)    total: 1 alloc, 400 B, freed
//   @string100      std::string(100, 'x')             total: 1 alloc, 101 B, freed
// Totals over these lines: 11 allocations (+ libstdc++'s own start-up allocations, e.g. its
// emergency exception pool, which the program does not control), 2193 B.
#include <cstddef>
#include <cstdint>
#include <new>
#include <string>
#include <vector>

#include "mpt_util.h"

struct Obj {
  long v;
  Obj() : v(1) {}
  ~Obj() { v = 0; }
};

struct alignas(64) A64 {
  char c[192];
};

struct Leaky {
  char data[40];
};

__attribute__((noinline)) static void leak_one() {
  Leaky *lk = new Leaky; /* @newleak */
  mpt_sink(lk);
  mpt_sink(nullptr);
}

__attribute__((noinline)) static void containers() {
  std::vector<int> v;
  v.reserve(100); /* @vec_reserve */
  mpt_sink(v.data());
  std::string s(100, 'x'); /* @string100 */
  mpt_sink(&s[0]);
}

int main() {
  volatile std::size_t huge = SIZE_MAX / 2;

  int *a = new int(5); /* @new_int */
  mpt_sink(a);
  delete a;

  int *arr = new int[25]; /* @newarr100 */
  mpt_sink(arr);
  delete[] arr;

  Obj *objs = new Obj[10]; /* @newarr_cookie */
  mpt_sink(objs);
  delete[] objs;

  char *nt = new (std::nothrow) char[300]; /* @nothrow300 */
  mpt_sink(nt);
  delete[] nt;

  char *ntf = new (std::nothrow) char[huge]; /* @nothrow_fail */
  if (ntf != nullptr) return 10;

  A64 *al = new A64; /* @aligned_new */
  mpt_sink(al);
  delete al;

  A64 *ala = new A64[4]; /* @aligned_arr */
  mpt_sink(ala);
  delete[] ala;

  void *raw = ::operator new(123); /* @raw_new */
  mpt_sink(raw);
  ::operator delete(raw);

  void *rawnt = ::operator new(77, std::nothrow); /* @raw_nothrow */
  mpt_sink(rawnt);
  ::operator delete(rawnt);

  leak_one();
  containers();
  mpt_sink(nullptr);
  mpt_scrub_stack();
  return 0;
}
