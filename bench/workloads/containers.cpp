// containers: typical C++ container churn: std::map, std::unordered_map,
// std::string, std::vector; fixed seed. Usage: containers [ROUNDS=40].
// Prints a checksum.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

static uint64_t rs = 0x2545F4914F6CDD1Dull;
static inline uint64_t rng() {
    rs ^= rs >> 12; rs ^= rs << 25; rs ^= rs >> 27;
    return rs * 2685821657736338717ull;
}

static std::string make_word(uint64_t r) {
    // lengths 4..60: mixes SSO (<16) and heap strings
    size_t len = 4 + r % 57;
    std::string s;
    for (size_t i = 0; i < len; i++) s.push_back(char('a' + (r >> (i % 50)) % 26));
    return s;
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? std::atoi(argv[1]) : 40;
    uint64_t check = 0;
    for (int round = 0; round < rounds; round++) {
        std::map<int, std::string> m;
        std::unordered_map<std::string, std::vector<int>> um;
        std::vector<std::string> words;
        for (int i = 0; i < 20000; i++) {
            uint64_t r = rng();
            std::string w = make_word(r);
            m[int(r % 50000)] = w;
            um[w].push_back(i);
            words.push_back(std::move(w));
        }
        // erase half of the map, grow strings, rebuild a vector
        for (int i = 0; i < 10000; i++) m.erase(int(rng() % 50000));
        for (auto &kv : m) { kv.second += kv.second; check += kv.second.size(); }
        std::vector<std::string> joined;
        for (size_t i = 0; i + 1 < words.size(); i += 2) joined.push_back(words[i] + "-" + words[i + 1]);
        for (auto &kv : um) check += kv.second.size() * kv.first.size();
        for (auto &s : joined) check += uint8_t(s[s.size() / 2]);
        std::vector<std::vector<int>> nested(500);
        for (int i = 0; i < 50000; i++) nested[rng() % 500].push_back(i);
        for (auto &v : nested) check += v.size();
    }
    std::printf("containers rounds=%d checksum=%llu\n", rounds, (unsigned long long)check);
    return 0;
}
