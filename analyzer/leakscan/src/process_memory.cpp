// SPDX-License-Identifier: MIT
/// @brief process_vm_readv with a FIFO chunk cache and page-wise retry over holes.
#include "memprof/leakscan/process_memory.h"

#include <sys/uio.h>

#include <algorithm>
#include <cstring>

namespace memprof::leakscan {

namespace {
constexpr std::size_t kPage = 4096;
}

ProcessMemory::ProcessMemory(pid_t pid, std::size_t cacheBytes)
    : m_pid(pid), m_maxChunks(std::max<std::size_t>(cacheBytes / kChunk, 4)) {}

void ProcessMemory::readDirect(std::uint64_t addr, std::uint8_t* out, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    iovec local{out + done, size - done};
    iovec remote{reinterpret_cast<void*>(addr + done), size - done};
    ++m_syscalls;
    const ssize_t n = process_vm_readv(m_pid, &local, 1, &remote, 1, 0);
    if (n > 0) {
      m_anyReadable = true;
      done += static_cast<std::size_t>(n);
      continue;
    }
    // Unreadable from here: zero up to the next page boundary and try again after it.
    const std::uint64_t next = ((addr + done) / kPage + 1) * kPage;
    const std::size_t skip =
        std::min<std::size_t>(static_cast<std::size_t>(next - (addr + done)), size - done);
    std::memset(out + done, 0, skip);
    done += skip;
  }
}

const std::vector<std::uint8_t>& ProcessMemory::chunk(std::uint64_t index) {
  if (auto it = m_chunks.find(index); it != m_chunks.end()) return it->second;
  if (m_chunks.size() >= m_maxChunks) {
    m_chunks.erase(m_order.front());
    m_order.pop_front();
  }
  std::vector<std::uint8_t> data(kChunk);
  readDirect(index * kChunk, data.data(), kChunk);
  m_order.push_back(index);
  return m_chunks.emplace(index, std::move(data)).first->second;
}

void ProcessMemory::read(std::uint64_t addr, void* out, std::size_t size) {
  auto* dst = static_cast<std::uint8_t*>(out);
  if (size >= kChunk) {  // big ranges (roots, huge blocks) are read once: bypass the cache
    readDirect(addr, dst, size);
    return;
  }
  while (size > 0) {
    const std::uint64_t index = addr / kChunk;
    const std::size_t offset = static_cast<std::size_t>(addr % kChunk);
    const std::size_t n = std::min(size, kChunk - offset);
    std::memcpy(dst, chunk(index).data() + offset, n);
    dst += n;
    addr += n;
    size -= n;
  }
}

}  // namespace memprof::leakscan
