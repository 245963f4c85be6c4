// SPDX-License-Identifier: MIT
/// @brief A leak-free C++ program using iostreams, exceptions, threads and a static container;
/// exits with argv[1] (default 0) so the test can check the status passes through.
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

std::map<std::string, int> g_registry;  // static storage: freed by its destructor at exit
std::mutex g_mutex;

int work(int id) {
  std::ostringstream s;
  s << "worker " << id << " " << std::string(100, 'x');
  try {
    if (id % 2 == 0) throw std::runtime_error(s.str());
  } catch (const std::exception& e) {
    std::lock_guard<std::mutex> lock(g_mutex);
    g_registry[e.what()] = id;
    return 1;
  }
  auto v = std::make_unique<std::vector<int>>(1000, id);
  return static_cast<int>(v->size() > 0);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) threads.emplace_back(work, i);
  for (auto& t : threads) t.join();
  std::thread detached([] { return work(7); });
  detached.join();
  std::cout << "registry has " << g_registry.size() << " entries" << std::endl;
  std::cerr << "clean program done" << std::endl;
  return argc > 1 ? std::atoi(argv[1]) : 0;
}
