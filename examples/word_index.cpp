// SPDX-License-Identifier: MIT
// Example for memprof's quick start: builds a word index from generated text, keeps a cache
// that is never freed (a leak), and spends CPU time in a scoring loop.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace {

std::string make_word(unsigned seed) {
  static const char* syllables[] = {"ka", "lo", "mi", "ne", "ru", "sa", "to", "vi"};
  std::string w;
  for (int i = 0; i < 2 + static_cast<int>(seed % 3); ++i) w += syllables[(seed >> (3 * i)) % 8];
  return w;
}

std::map<std::string, std::vector<unsigned>> build_index(unsigned words) {
  std::map<std::string, std::vector<unsigned>> index;
  unsigned state = 12345;
  for (unsigned i = 0; i < words; ++i) {
    state = state * 1103515245u + 12345u;
    index[make_word(state >> 8)].push_back(i);  // most of the memory is made here
  }
  return index;
}

char** cache_titles(unsigned n) {
  char** titles = static_cast<char**>(std::malloc(n * sizeof(char*)));
  for (unsigned i = 0; i < n; ++i) {
    titles[i] = static_cast<char*>(std::malloc(32));  // never freed: a leak memprof reports
    std::snprintf(titles[i], 32, "title %u", i);
  }
  return titles;
}

double score(const std::map<std::string, std::vector<unsigned>>& index) {
  double s = 0;
  for (int round = 0; round < 20; ++round) {
    for (const auto& [word, positions] : index) {
      for (unsigned p : positions) s += static_cast<double>(p % 7) * 0.5;  // CPU time goes here
    }
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  const unsigned words = argc > 1 ? static_cast<unsigned>(std::atoi(argv[1])) : 200000;
  auto index = build_index(words);
  char** titles = cache_titles(1000);
  std::printf("%zu distinct words, score %.1f, first title '%s'\n", index.size(), score(index),
              titles[0]);
  titles = nullptr;  // the only pointer to the cache is dropped
  return 0;
}
