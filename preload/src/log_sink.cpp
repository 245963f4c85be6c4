// SPDX-License-Identifier: MIT
/// @brief Block assembly, compression and file output for the recorder.
#include "log_sink.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#define ZSTD_STATIC_LINKING_ONLY  // ZSTD_customMem: zstd must allocate from our memory, not malloc
#include <zstd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "clock.h"
#include "config.h"
#include "internal_memory.h"
#include "memprof/format/columns.h"
#include "memprof/format/encoder.h"
#include "own_fd.h"
#include "process_info.h"
#include "recorder.h"
#include "spin_lock.h"
#include "thread_state.h"

namespace memprof::preload {

namespace {

constexpr std::size_t kStagingBytes = 16U << 20;  // > ring size, so one ring always fits
constinit SpinLock s_lock;
int s_fd = -1;
FileIdentity s_fdFile;  ///< what s_fd was opened on: the program may close the number and reuse it
bool s_openFailed = false;
std::atomic<bool> s_closed{false};
std::uint8_t* s_staging = nullptr;
std::size_t s_stagingUsed = 0;
std::uint8_t* s_compressed = nullptr;
std::size_t s_compressedCapacity = 0;
/// The staging buffer split into columns (block encoding 2), compressed instead of it.
std::uint8_t* s_columns = nullptr;
std::size_t s_columnsCapacity = 0;
std::uint8_t* s_columnsScratch = nullptr;  ///< per-column regions (virtual; touched as used)
std::size_t s_columnsScratchCapacity = 0;
ZSTD_CCtx* s_cctx = nullptr;
/// Column blocks are pieces of one zstd stream per file (BlockEncoding::ZstdColumnsStream). If
/// compressing ever fails mid-stream, the stream cannot go on: later blocks are written raw.
bool s_streamBroken = false;
char s_logPath[4200] = "";  // the file actually opened, for the exit-time leak scanner

void writeAll(const void* data, std::size_t size) {
  const auto* p = static_cast<const std::uint8_t*>(data);
  while (size > 0 && s_fd >= 0) {
    const ssize_t n = write(s_fd, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      static const char kMsg[] = "memprof: writing the log failed; recording stopped\n";
      (void)!write(2, kMsg, sizeof kMsg - 1);
      if (fdIsFile(s_fd, s_fdFile)) close(s_fd);
      s_fd = -1;
      s_closed.store(true);
      return;
    }
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

bool ensureBuffers() {
  if (s_staging != nullptr) return true;
  s_staging = static_cast<std::uint8_t*>(internalMap(kStagingBytes));
  s_columnsCapacity = format::columnsBound(kStagingBytes);
  s_columns = static_cast<std::uint8_t*>(internalMap(s_columnsCapacity));
  s_columnsScratchCapacity = format::columnsScratchBound(kStagingBytes);
  s_columnsScratch = static_cast<std::uint8_t*>(internalMap(s_columnsScratchCapacity));
  if (s_columnsScratch == nullptr) s_columns = nullptr;
  s_compressedCapacity = ZSTD_compressBound(s_columnsCapacity);
  s_compressed = static_cast<std::uint8_t*>(internalMap(s_compressedCapacity));
  const ZSTD_customMem mem{internalAllocForZstd, internalFreeForZstd, nullptr};
  s_cctx = ZSTD_createCCtx_advanced(mem);
  if (s_cctx != nullptr)
    ZSTD_CCtx_setParameter(s_cctx, ZSTD_c_compressionLevel, g_config.zstdLevel);
  return s_staging != nullptr && s_compressed != nullptr;
}

int openExclusive(const char* path, bool exact) {
  std::memcpy(s_logPath, path, std::strlen(path) + 1);  // path fits: both are 4200 bytes
  if (exact) return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd >= 0 || errno != EEXIST) return fd;
  // Same pid, same name: an exec'd image of the same program. Number the next ones.
  char alt[4200];
  const std::size_t len = std::strlen(path);
  const char* dot =
      len > 6 && std::strcmp(path + len - 6, ".mprof") == 0 ? path + len - 6 : path + len;
  for (int i = 1; i < 1000 && fd < 0; ++i) {
    const std::size_t stem = static_cast<std::size_t>(dot - path);
    if (stem + 16 + std::strlen(dot) >= sizeof alt) return -1;
    std::memcpy(alt, path, stem);
    char num[12];
    int n = 0;
    for (int v = i; v > 0; v /= 10) num[n++] = static_cast<char>('0' + v % 10);
    std::size_t at = stem;
    alt[at++] = '.';
    while (n > 0) alt[at++] = num[--n];
    std::strcpy(alt + at, dot);
    fd = open(alt, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 && errno != EEXIST) return fd;
    if (fd >= 0) std::memcpy(s_logPath, alt, std::strlen(alt) + 1);
  }
  return fd;
}

void appendChunkLocked(std::uint32_t stream, const std::uint8_t* bytes, std::size_t size);

void stopRecordingLocked(const char* why, std::size_t length) {
  (void)!write(2, why, length);
  s_fd = -1;
  s_stagingUsed = 0;
  s_closed.store(true);
}

/// Makes sure s_fd still writes to our log. The program may have closed it (closing every fd
/// >= 3, close_range) or put a file of its own on its number (a later open, dup2): then the
/// number is the program's and left alone; the log is opened again, for appending, by its path.
/// False while that is not possible: with every descriptor taken (EMFILE) the staged data waits
/// for a later try (s_fd keeps the stale number, never used until it checks out again).
bool logFdUsableLocked() {
  if (s_fd < 0) return false;
  if (fdIsFile(s_fd, s_fdFile)) return true;
  const int fd = open(s_logPath, O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd >= 0 && fdIsFile(fd, s_fdFile)) {
    s_fd = moveFdHigh(fd);
    return true;
  }
  if (fd >= 0) {
    close(fd);  // another file under that name now: not our log
  } else if (errno == EMFILE || errno == ENFILE || errno == EINTR || errno == ENOMEM) {
    return false;
  }
  static const char kMsg[] = "memprof: the log file was closed or replaced; recording stopped\n";
  stopRecordingLocked(kMsg, sizeof kMsg - 1);
  return false;
}

/// Room for @p bytes more in the staging buffer, flushing it if needed. False (and recording
/// stopped) when the log cannot take the staged data for so long that the buffer is full.
bool makeRoomLocked(std::size_t bytes) {
  if (s_stagingUsed + bytes <= kStagingBytes) return true;
  flushBlockLocked();
  if (s_stagingUsed + bytes <= kStagingBytes) return true;
  static const char kMsg[] =
      "memprof: the log file could not be written for too long; recording stopped\n";
  stopRecordingLocked(kMsg, sizeof kMsg - 1);
  return false;
}

}  // namespace

void drainLock() noexcept { s_lock.lock(); }

bool drainTryLockFor(unsigned milliseconds) noexcept {
  return s_lock.tryLockFor(std::uint64_t{milliseconds == 0 ? 1U : milliseconds} * 1000);
}

void drainUnlock() noexcept { s_lock.unlock(); }

bool logClosed() noexcept { return s_closed.load(std::memory_order_relaxed); }

const char* logPathLocked() noexcept { return s_fd >= 0 ? s_logPath : ""; }

bool ensureLogOpenLocked() noexcept {
  if (s_fd >= 0) return true;
  if (s_openFailed || s_closed.load()) return false;
  if (!ensureBuffers()) {
    s_openFailed = true;
    return false;
  }
  char path[4200];
  const bool root = isRootImage();
  const char* pattern = root ? g_config.output : g_config.descendantOutput;
  if (!expandOutputPath(pattern, path, sizeof path) ||
      (s_fd = openExclusive(path, root && g_config.outputIsExact)) < 0) {
    static const char kMsg[] = "memprof: cannot create the log file; recording disabled: ";
    (void)!write(2, kMsg, sizeof kMsg - 1);
    (void)!write(2, path, std::strlen(path));
    (void)!write(2, "\n", 1);
    s_openFailed = true;
    s_closed.store(true);
    return false;
  }
  s_fd = moveFdHigh(s_fd);
  if (!fileIdentity(s_fd, &s_fdFile)) s_fdFile = FileIdentity{};
  // A new file starts a new zstd stream.
  if (s_cctx != nullptr) ZSTD_CCtx_reset(s_cctx, ZSTD_reset_session_only);
  s_streamBroken = false;
  std::uint8_t header[format::kFileHeaderSize];
  format::writeFileHeader(header);
  writeAll(header, sizeof header);
  // The Process record leads stream 0 so readers learn the pid and command line first.
  std::uint8_t* record = s_compressed;  // scratch: no block is being compressed right now
  const std::size_t n = encodeProcessRecord(record, 64 * 1024);
  appendChunkLocked(0, record, n);
  return true;
}

namespace {

void appendChunkLocked(std::uint32_t stream, const std::uint8_t* bytes, std::size_t size) {
  if (!makeRoomLocked(size + 32)) return;
  format::Encoder e(s_staging + s_stagingUsed, 32);
  e.varint(stream).varint(size);
  s_stagingUsed += e.size();
  std::memcpy(s_staging + s_stagingUsed, bytes, size);
  s_stagingUsed += size;
}

}  // namespace

void drainRingLocked(ThreadState* state) noexcept {
  const std::size_t used = state->ring.used();
  if (used == 0 || !ensureLogOpenLocked()) return;
  if (!makeRoomLocked(used + 32)) {
    state->ring.discard();  // the log is gone: nothing will ever take these events
    return;
  }
  format::Encoder e(s_staging + s_stagingUsed, 32);
  e.varint(state->streamId).varint(used);
  const std::size_t headerSize = e.size();
  const std::size_t copied = state->ring.drain(s_staging + s_stagingUsed + headerSize, used);
  if (copied != used) return;  // cannot happen: we asked for exactly what was published
  s_stagingUsed += headerSize + copied;
}

void drainAllLocked() noexcept {
  for (ThreadState* s = registryHead(); s != nullptr; s = s->next.load(std::memory_order_acquire)) {
    const ThreadStatus status = s->status.load(std::memory_order_acquire);
    if (status == ThreadStatus::Free) continue;
    drainRingLocked(s);
    // Reusable once its events are out and the sampler has closed its perf ring.
    if (status == ThreadStatus::Exited && s->ring.used() == 0 && s->perfRing.base == nullptr) {
      s->status.store(ThreadStatus::Free, std::memory_order_release);
    }
  }
}

void flushBlockLocked() noexcept {
  if (s_stagingUsed == 0 || !logFdUsableLocked()) return;
  std::size_t stored = 0;
  format::BlockEncoding encoding = format::BlockEncoding::Raw;
  const std::uint8_t* payload = s_staging;
  if (s_cctx != nullptr) {
    // Columns compress about a third smaller (columns.h); the plain payload is the fallback.
    const std::size_t split =
        s_columns != nullptr && g_config.logColumns
            ? format::splitColumns(s_staging, s_stagingUsed, s_columnsScratch,
                                   s_columnsScratchCapacity, s_columns, s_columnsCapacity)
            : 0;
    if (split != 0 && !s_streamBroken) {
      // The next piece of the file's stream, flushed so the block decodes on its own arrival
      // (a log cut short after it is readable up to here).
      ZSTD_inBuffer in{s_columns, split, 0};
      ZSTD_outBuffer out{s_compressed, s_compressedCapacity, 0};
      std::size_t left = 0;
      do {
        left = ZSTD_compressStream2(s_cctx, &out, &in, ZSTD_e_flush);
      } while (ZSTD_isError(left) == 0 && left != 0 && out.pos < out.size);
      if (ZSTD_isError(left) == 0 && left == 0 && in.pos == in.size) {
        stored = out.pos;
        encoding = format::BlockEncoding::ZstdColumnsStream;
        payload = s_compressed;
      } else {
        s_streamBroken = true;  // what the context holds can no longer be continued
      }
    } else if (s_columns == nullptr || !g_config.logColumns) {
      // Columns turned off (MEMPROF_LOG_COLUMNS=0): independent zstd blocks. (This never
      // shares the context with a stream: the setting is fixed for the process. A payload
      // that would not split, which the recorder never writes, goes raw: a one-shot frame
      // here would end the stream.)
      const std::size_t n =
          ZSTD_compress2(s_cctx, s_compressed, s_compressedCapacity, s_staging, s_stagingUsed);
      if (ZSTD_isError(n) == 0) {
        stored = n;
        encoding = format::BlockEncoding::Zstd;
        payload = s_compressed;
      }
    }
  }
  if (encoding == format::BlockEncoding::Raw) stored = s_stagingUsed;
  std::uint8_t header[format::kBlockHeaderSize];
  format::Encoder e(header, sizeof header);
  e.u8(static_cast<std::uint8_t>(encoding))
      .u32le(static_cast<std::uint32_t>(stored))
      .u32le(static_cast<std::uint32_t>(s_stagingUsed))
      .u32le(format::fnv1a32(payload, stored));
  iovec parts[2] = {{header, sizeof header}, {const_cast<std::uint8_t*>(payload), stored}};
  const ssize_t written = writev(s_fd, parts, 2);
  if (written != static_cast<ssize_t>(sizeof header + stored)) {
    // Partial or interrupted: finish the rest with plain writes.
    std::size_t done = written > 0 ? static_cast<std::size_t>(written) : 0;
    if (done < sizeof header) {
      writeAll(header + done, sizeof header - done);
      done = sizeof header;
    }
    writeAll(payload + (done - sizeof header), stored - (done - sizeof header));
  }
  s_stagingUsed = 0;
}

void writeProcessRecordLocked(const std::uint8_t* bytes, std::size_t size) noexcept {
  if (s_closed.load() || !ensureLogOpenLocked()) return;
  appendChunkLocked(0, bytes, size);
}

void writeProcessRecord(const std::uint8_t* bytes, std::size_t size) noexcept {
  drainLock();
  writeProcessRecordLocked(bytes, size);
  drainUnlock();
}

void finalizeLog(bool reopenable, unsigned lockWaitMs) noexcept {
  if (!drainTryLockFor(lockWaitMs)) return;
  if (!s_closed.load() && ensureLogOpenLocked()) {
    drainAllLocked();
    std::uint8_t buf[32];
    format::Encoder e(buf, sizeof buf);
    e.type(format::RecordType::Trailer).varint(sequenceCount());
    appendChunkLocked(0, e.data(), e.size());
    flushBlockLocked();
    if (!reopenable) s_closed.store(true);
  }
  drainUnlock();
}

void resetLogAfterFork() noexcept {
  s_lock.resetAfterFork();
  if (s_fd >= 0 && fdIsFile(s_fd, s_fdFile)) close(s_fd);  // else the number is the program's
  s_fd = -1;
  s_stagingUsed = 0;
  if (s_cctx != nullptr) ZSTD_CCtx_reset(s_cctx, ZSTD_reset_session_only);  // the child's file
  s_streamBroken = false;
  s_openFailed = false;
}

}  // namespace memprof::preload
