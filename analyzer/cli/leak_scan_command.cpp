// SPDX-License-Identifier: MIT
/// @brief `memprof __leak-scan`: the exit-time reachability scan, run by libmemprof.so.
///
/// Hidden command; the recorder spawns it (see preload/src/leak_scan_client.h for the
/// protocol). It replays the log for the live set, waits for the go byte (the recorder has
/// let us read its memory by then), scans the process and sends LeakKinds records back.
/// It must never disturb the program: it prints nothing unless --verbose, whatever happens.
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "commands.h"
#include "memprof/leakscan/glibc_heap.h"
#include "memprof/leakscan/live_set.h"
#include "memprof/leakscan/process_memory.h"
#include "memprof/leakscan/root_ranges.h"
#include "memprof/leakscan/verdict_wire.h"

namespace memprof::cli {

namespace {

constexpr std::size_t kMaxFrame = 1U << 20;  // = kMaxLeakScanFrame of the recorder

struct ScanArgs {
  int pid = 0;
  std::string log;
  std::uint64_t sp = 0;
  std::uint64_t selfBase = 0;
  int fd = -1;
  bool verbose = false;
};

ScanArgs parseArgs(int argc, char** argv) {
  ScanArgs a;
  for (int i = 1; i < argc; ++i) {
    const std::string name = argv[i];
    if (name == "--verbose") {
      a.verbose = true;
      continue;
    }
    if (i + 1 >= argc) throw std::invalid_argument(name + " needs a value");
    const std::string value = argv[++i];
    if (name == "--pid")
      a.pid = std::stoi(value);
    else if (name == "--log")
      a.log = value;
    else if (name == "--sp")
      a.sp = std::stoull(value, nullptr, 16);
    else if (name == "--self-base")
      a.selfBase = std::stoull(value, nullptr, 16);
    else if (name == "--fd")
      a.fd = std::stoi(value);
    else
      throw std::invalid_argument("unknown option " + name);
  }
  if (a.pid <= 0 || a.log.empty()) throw std::invalid_argument("needs --pid and --log");
  return a;
}

bool readExact(int fd, void* out, std::size_t size) {
  auto* p = static_cast<std::uint8_t*>(out);
  while (size > 0) {
    const ssize_t n = ::read(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

bool writeAll(int fd, const std::uint8_t* p, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

/// The go message: 'G', u32le n, n x (u64 base, u64 bytes) = the recorder's own memory.
bool awaitGo(int fd, std::vector<leakscan::Range>& excluded) {
  std::uint8_t head[5];
  if (!readExact(fd, head, sizeof head) || head[0] != 'G') return false;
  const std::uint32_t n =
      head[1] | (head[2] << 8) | (head[3] << 16) | (static_cast<std::uint32_t>(head[4]) << 24);
  if (n > 65536) return false;
  std::vector<std::uint64_t> raw(2 * static_cast<std::size_t>(n));
  if (!readExact(fd, raw.data(), raw.size() * sizeof(std::uint64_t))) return false;
  for (std::size_t i = 0; i < n; ++i)
    excluded.push_back(leakscan::Range{raw[2 * i], raw[2 * i] + raw[2 * i + 1]});
  return true;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

int scan(const ScanArgs& a) {
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  leakscan::LiveSet live;
  leakscan::readLiveSet(a.log, live);
  const std::vector<leakscan::Block> blocks = live.sortedBlocks();
  const auto t1 = Clock::now();

  leakscan::RootInputs in;
  if (a.fd >= 0 && !awaitGo(a.fd, in.excluded)) return 1;
  in.maps = leakscan::parseMaps(slurp("/proc/" + std::to_string(a.pid) + "/maps"));
  in.modules = live.modules();
  in.selfBase = a.selfBase;
  in.stackPointers = leakscan::threadStackPointers(a.pid);
  if (a.sp != 0) in.stackPointers.push_back(a.sp);
  in.blocks = &blocks;
  leakscan::ProcessMemory memory(a.pid);
  in.allocatorOwned = leakscan::glibcOwnedRanges(blocks, memory);  // the recorder sits on glibc
  const std::vector<leakscan::Range> roots = leakscan::rootRanges(in);

  leakscan::ScanStats stats;
  leakscan::ScanOptions options;
  options.glibcChunkHeaders = true;  // the recorder sits on glibc's malloc
  const std::vector<format::LeakKind> kinds =
      leakscan::classify(blocks, roots, memory, &stats, options);
  const auto t2 = Clock::now();
  if (!memory.anyReadable()) {
    if (a.verbose)
      std::cerr << "memprof __leak-scan: cannot read the memory of pid " << a.pid << '\n';
    return 1;  // no verdicts beat wrong ones ("definite" for everything)
  }
  std::size_t counts[4] = {0, 0, 0, 0};
  for (const auto k : kinds) ++counts[static_cast<int>(k)];
  if (a.fd >= 0) {
    for (const auto& frame : leakscan::encodeVerdictFrames(blocks, kinds, kMaxFrame)) {
      if (!writeAll(a.fd, frame.data(), frame.size())) return 1;
    }
  }
  if (a.verbose) {
    const auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
    std::cerr << "memprof __leak-scan: pid " << a.pid << ": " << blocks.size() << " live blocks ("
              << counts[0] << " definite, " << counts[1] << " indirect, " << counts[2]
              << " possible, " << counts[3] << " reachable); " << roots.size() << " root ranges, "
              << stats.rootBytes << " root bytes, " << stats.blockBytes << " block bytes, "
              << memory.syscalls() << " reads; replay " << ms(t1 - t0) << " ms, scan "
              << ms(t2 - t1) << " ms\n";
  }
  return 0;
}

}  // namespace

int leakScanCommand(int argc, char** argv) {
  ScanArgs args;
  try {
    args = parseArgs(argc, argv);
    return scan(args);
  } catch (const std::exception& e) {
    if (args.verbose) std::cerr << "memprof __leak-scan: " << e.what() << '\n';
    return 1;
  }
}

}  // namespace memprof::cli
