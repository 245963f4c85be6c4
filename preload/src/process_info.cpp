// SPDX-License-Identifier: MIT
/// @brief The Process record: pid, parent, clocks, executable and argv from /proc.
#include "process_info.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <string_view>

#include "clock.h"
#include "config.h"
#include "memprof/format/encoder.h"

namespace memprof::preload {

constinit pid_t g_pid = 0;

namespace {
bool s_forkChild = false;
}

bool isRootImage() noexcept { return !s_forkChild; }
void markForkChild() noexcept { s_forkChild = true; }

std::size_t encodeProcessRecord(std::uint8_t* out, std::size_t capacity) noexcept {
  char exe[4096];
  const ssize_t exeLen = readlink("/proc/self/exe", exe, sizeof exe);
  char cmdline[32768];
  ssize_t cmdLen = 0;
  const int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ssize_t n = 0;
    while (cmdLen < static_cast<ssize_t>(sizeof cmdline) &&
           (n = read(fd, cmdline + cmdLen, sizeof cmdline - static_cast<std::size_t>(cmdLen))) >
               0) {
      cmdLen += n;
    }
    close(fd);
  }
  std::uint64_t argc = 0;
  for (ssize_t i = 0; i < cmdLen; ++i) argc += cmdline[i] == '\0';

  timespec real{};
  clock_gettime(CLOCK_REALTIME, &real);
  const std::uint64_t realUs = static_cast<std::uint64_t>(real.tv_sec) * 1000000ULL +
                               static_cast<std::uint64_t>(real.tv_nsec) / 1000 - nowUs();
  format::Encoder e(out, capacity);
  e.type(format::RecordType::Process)
      .varint(static_cast<std::uint64_t>(getpid()))
      .varint(static_cast<std::uint64_t>(getppid()))
      .varint(realUs)
      .varint(g_startNs / 1000)
      .varint(static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE)))
      .varint(g_config.sampleHz)
      .string(std::string_view(exe, exeLen > 0 ? static_cast<std::size_t>(exeLen) : 0))
      .varint(argc);
  std::size_t start = 0;
  for (ssize_t i = 0; i < cmdLen; ++i) {
    if (cmdline[i] != '\0') continue;
    e.string(std::string_view(cmdline + start, static_cast<std::size_t>(i) - start));
    start = static_cast<std::size_t>(i) + 1;
  }
  return e.ok() ? e.size() : 0;
}

}  // namespace memprof::preload
