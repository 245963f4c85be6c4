// SPDX-License-Identifier: MIT
// cxx_threads.cpp — a multi-threaded C++ program with varied stacks, for checking the fast
// unwinder against libunwind (MEMPROF_UNWINDER=verify): four std::threads build and tear down
// standard containers at varying recursion depths, through std::function and virtual calls,
// throw and catch exceptions (whose objects are heap-allocated), and use thread_local objects.
// Built at -O2 without frame pointers (see CMakeLists.txt), so frames use both CFA forms.
// Its allocation figures are not checked: only that every stack unwinds the same both ways.
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "mpt_util.h"

namespace {

struct Shape {
  virtual ~Shape() = default;
  virtual std::size_t build(int n) = 0;
};

struct Words final : Shape {
  std::size_t build(int n) override {
    std::map<std::string, std::vector<int>> index;
    for (int i = 0; i < n; ++i) index[std::to_string(i % 97) + "-key"].push_back(i);
    return index.size();
  }
};

struct Shared final : Shape {
  std::size_t build(int n) override {
    std::vector<std::shared_ptr<std::string>> items;
    for (int i = 0; i < n; ++i) items.push_back(std::make_shared<std::string>(40 + i % 50, 'x'));
    return items.size();
  }
};

thread_local std::vector<std::string> t_log;

__attribute__((noinline)) std::size_t recurse(int depth, Shape& shape, int n) {
  if (depth == 0) {
    std::size_t built = shape.build(n);
    try {
      if (n % 3 == 0) throw std::runtime_error(std::string(64, 'e'));
    } catch (const std::exception& e) {
      t_log.emplace_back(e.what());
    }
    return built;
  }
  std::function<std::size_t()> next = [&] { return recurse(depth - 1, shape, n) + 1; };
  return next();
}

void worker(int id) {
  Words words;
  Shared shared;
  std::size_t total = 0;
  for (int round = 0; round < 60; ++round) {
    Shape& shape = (round + id) % 2 == 0 ? static_cast<Shape&>(words) : shared;
    total += recurse((round * 7 + id) % 40, shape, 50 + round);
  }
  mpt_sink(reinterpret_cast<void*>(total + t_log.size()));
}

}  // namespace

int main() {
  std::vector<std::thread> threads;
  for (int id = 0; id < 4; ++id) threads.emplace_back(worker, id);
  for (auto& t : threads) t.join();
  mpt_say("cxx_threads done\n");
  return 0;
}
