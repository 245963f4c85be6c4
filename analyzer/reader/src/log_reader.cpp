// SPDX-License-Identifier: MIT
/// @brief File validation, block decompression and chunk dispatch.
#include "memprof/reader/log_reader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "column_block.h"
#include "memprof/format/columns.h"
#include "memprof/format/decoder.h"
#include "memprof/format/records.h"
#include "sequence_merger.h"
#include "stream_decoder.h"

namespace memprof::reader {

namespace {

/// Read-only mapping of the whole log (RAII).
class MappedFile {
 public:
  explicit MappedFile(const std::string& path) {
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw LogError(std::strerror(errno));
    struct stat st {};
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      close(fd);
      throw LogError("not a regular file");
    }
    m_size = static_cast<std::size_t>(st.st_size);
    if (m_size > 0) {
      void* p = mmap(nullptr, m_size, PROT_READ, MAP_PRIVATE, fd, 0);
      if (p == MAP_FAILED) {
        close(fd);
        throw LogError(std::strerror(errno));
      }
      m_data = static_cast<const std::uint8_t*>(p);
      madvise(p, m_size, MADV_SEQUENTIAL);
    }
    close(fd);
  }
  ~MappedFile() {
    if (m_data != nullptr) munmap(const_cast<std::uint8_t*>(m_data), m_size);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  [[nodiscard]] const std::uint8_t* data() const { return m_data; }
  [[nodiscard]] std::size_t size() const { return m_size; }

 private:
  const std::uint8_t* m_data = nullptr;
  std::size_t m_size = 0;
};

/// Checks the magic and the version; returns the version.
std::uint32_t checkHeader(const MappedFile& file) {
  if (file.size() == 0) throw LogError("empty file, not a memprof log");
  if (file.size() < format::kFileHeaderSize ||
      std::memcmp(file.data(), format::kMagic, sizeof format::kMagic) != 0) {
    if (file.size() < format::kFileHeaderSize &&
        std::memcmp(file.data(), format::kMagic, std::min(file.size(), sizeof format::kMagic)) ==
            0) {
      throw LogError("log cut short inside its header");
    }
    throw LogError("not a memprof log (bad magic)");
  }
  format::Decoder d(file.data() + sizeof format::kMagic, file.data() + format::kFileHeaderSize);
  std::uint32_t version = 0;
  d.u32le(&version);
  if (version < format::kOldestReadableVersion || version > format::kVersion) {
    throw LogError("unsupported memprof log version " + std::to_string(version) +
                   " (this memprof reads versions " +
                   std::to_string(format::kOldestReadableVersion) + " to " +
                   std::to_string(format::kVersion) + ")");
  }
  return version;
}

struct DctxDeleter {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

/// Decompresses one encoding-3 block, the next piece of the file's zstd stream, into @p out
/// (capacity: the bound of its column form), and shrinks @p out to what it held. The writer
/// flushed at the block's end, so once the piece is consumed with room to spare in @p out,
/// all of it is out; false if the stream is corrupt or says more than the bound. (zstd makes
/// progress on every call while the output has room, so the loop ends.)
bool decompressStreamPiece(ZSTD_DCtx* dctx, const std::uint8_t* payload, std::size_t stored,
                           std::vector<std::uint8_t>& out) {
  ZSTD_inBuffer in{payload, stored, 0};
  ZSTD_outBuffer o{out.data(), out.size(), 0};
  while (in.pos < in.size) {
    if (ZSTD_isError(ZSTD_decompressStream(dctx, &o, &in)) != 0 || o.pos == o.size) return false;
  }
  out.resize(o.pos);
  return true;
}

}  // namespace

bool looksLikeLog(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char magic[sizeof format::kMagic];
  const bool ok = read(fd, magic, sizeof magic) == static_cast<ssize_t>(sizeof magic) &&
                  std::memcmp(magic, format::kMagic, sizeof magic) == 0;
  close(fd);
  return ok;
}

ReadSummary readLog(const std::string& path, EventSink& sink) {
  const MappedFile file(path);
  const std::uint32_t version = checkHeader(file);
  ReadSummary summary;
  summary.fileBytes = file.size();
  SequenceMerger merger(sink);
  StreamDecoder decoder(sink, merger, version);
  std::unique_ptr<ZSTD_DCtx, DctxDeleter> dctx(ZSTD_createDCtx());
  // Encoding 3 blocks are consecutive pieces of one zstd stream: one context for all of them.
  std::unique_ptr<ZSTD_DCtx, DctxDeleter> streamDctx(ZSTD_createDCtx());
  std::vector<std::uint8_t> raw;
  std::vector<std::uint8_t> columns;

  std::size_t offset = format::kFileHeaderSize;
  const std::uint8_t* base = file.data();
  while (offset < file.size()) {
    if (file.size() - offset < format::kBlockHeaderSize) {
      summary.truncated = true;
      summary.truncationNote =
          "the last block header is cut short at byte " + std::to_string(offset);
      break;
    }
    format::Decoder h(base + offset, base + offset + format::kBlockHeaderSize);
    std::uint8_t encoding = 0;
    std::uint32_t stored = 0, rawSize = 0, checksum = 0;
    h.u8(&encoding);
    h.u32le(&stored);
    h.u32le(&rawSize);
    h.u32le(&checksum);
    if (encoding > 3 || (encoding == 3 && version < 3) || rawSize > format::kMaxBlockRawSize ||
        (encoding == 0 && stored != rawSize)) {
      throw LogError("corrupt block header at byte " + std::to_string(offset));
    }
    const std::size_t payloadAt = offset + format::kBlockHeaderSize;
    if (file.size() - payloadAt < stored) {
      summary.truncated = true;
      summary.truncationNote = "the last block is cut short at byte " + std::to_string(file.size());
      break;
    }
    const std::uint8_t* payload = base + payloadAt;
    if (format::fnv1a32(payload, stored) != checksum) {
      throw LogError("corrupt block at byte " + std::to_string(offset) + " (checksum mismatch)");
    }
    const std::uint8_t* data = payload;
    bool columnForm = false;
    if (encoding == static_cast<std::uint8_t>(format::BlockEncoding::Zstd)) {
      raw.resize(rawSize);
      const std::size_t n =
          ZSTD_decompressDCtx(dctx.get(), raw.data(), raw.size(), payload, stored);
      if (ZSTD_isError(n) != 0 || n != rawSize) {
        throw LogError("corrupt compressed block at byte " + std::to_string(offset));
      }
      data = raw.data();
    } else if (encoding == static_cast<std::uint8_t>(format::BlockEncoding::ZstdColumnsStream)) {
      columns.resize(format::columnsBound(rawSize));
      if (!decompressStreamPiece(streamDctx.get(), payload, stored, columns)) {
        throw LogError("corrupt compressed block at byte " + std::to_string(offset));
      }
      columnForm = true;
    } else if (encoding == static_cast<std::uint8_t>(format::BlockEncoding::ZstdColumns)) {
      const unsigned long long content = ZSTD_getFrameContentSize(payload, stored);
      if (content == ZSTD_CONTENTSIZE_ERROR || content == ZSTD_CONTENTSIZE_UNKNOWN ||
          content > format::columnsBound(rawSize)) {
        throw LogError("corrupt compressed block at byte " + std::to_string(offset));
      }
      columns.resize(static_cast<std::size_t>(content));
      const std::size_t n =
          ZSTD_decompressDCtx(dctx.get(), columns.data(), columns.size(), payload, stored);
      if (ZSTD_isError(n) != 0 || n != columns.size()) {
        throw LogError("corrupt compressed block at byte " + std::to_string(offset));
      }
      columnForm = true;
    }
    if (columnForm) {
      // Decoded from the columns in place: no join back into rows.
      try {
        decodeColumnBlock(columns.data(), columns.size(), rawSize, decoder);
      } catch (const LogError& e) {
        throw LogError(std::string(e.what()) + " in block at byte " + std::to_string(offset));
      }
      ++summary.blocks;
      offset = payloadAt + stored;
      continue;
    }
    format::Decoder chunks(data, data + rawSize);
    while (!chunks.atEnd()) {
      std::uint64_t stream = 0, length = 0;
      const std::uint8_t* bytes = nullptr;
      if (!chunks.varint(&stream) || !chunks.varint(&length) || stream > 0xFFFFFFFFULL ||
          !chunks.bytes(&bytes, length)) {
        throw LogError("corrupt chunk in block at byte " + std::to_string(offset));
      }
      try {
        decoder.decodeChunk(static_cast<std::uint32_t>(stream), bytes, length);
      } catch (const LogError& e) {
        throw LogError(std::string(e.what()) + " in block at byte " + std::to_string(offset));
      }
    }
    ++summary.blocks;
    offset = payloadAt + stored;
  }
  merger.finish();
  sink.onEndOfLog();
  if (!decoder.sawProcess()) {
    if (summary.blocks == 0 && summary.truncated) throw LogError("log cut short before any data");
    if (summary.blocks == 0) throw LogError("log holds no data (cut short right after its header)");
  }
  if (!summary.truncated && !decoder.sawTrailer()) {
    summary.truncated = true;
    summary.truncationNote =
        "the log has no end marker (the process was killed or is still running)";
  }
  if (merger.skippedNumbers() > 0) {
    summary.warnings.push_back(std::to_string(merger.skippedNumbers()) +
                               " heap events were never written (lost when the process died)");
  }
  summary.records = decoder.records();
  summary.heapEvents = decoder.heapEvents();
  return summary;
}

}  // namespace memprof::reader
