// SPDX-License-Identifier: MIT
/// @brief Symbolizer test fixture: prints runtime addresses of known inlined and member call sites.
///
/// Built with -O2 -g. Prints "key value" lines: the executable's load bias and build-id, return
/// addresses captured inside an always_inline helper and inside a namespaced member function,
/// the entry of a noinline function, and malloc with its module (as dl_iterate_phdr names it).
/// The test locates the expected source lines through the "@marker" comments below, so keep
/// each marker on the line of the call it labels.
#include <dlfcn.h>
#include <elf.h>
#include <link.h>

#include <cstdint>
#include <cstdio>
#include <cstring>

namespace {

volatile std::uintptr_t g_captured = 0;

struct ModuleHit {
  std::uintptr_t address = 0;
  const char* name = nullptr;
  std::uintptr_t base = 0;
  bool found = false;
};

/// Finds the module containing hit->address, like the preload library records it.
int findModule(dl_phdr_info* info, std::size_t /*size*/, void* data) {
  auto* hit = static_cast<ModuleHit*>(data);
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    const std::uintptr_t start = info->dlpi_addr + ph.p_vaddr;
    if (ph.p_type == PT_LOAD && hit->address >= start && hit->address < start + ph.p_memsz) {
      hit->name = info->dlpi_name;
      hit->base = info->dlpi_addr;
      hit->found = true;
      return 1;
    }
  }
  return 0;
}

/// The main executable is the first object dl_iterate_phdr reports.
int printMainModule(dl_phdr_info* info, std::size_t /*size*/, void* /*data*/) {
  std::printf("exe_base 0x%jx\n", static_cast<std::uintmax_t>(info->dlpi_addr));
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_NOTE) continue;
    const auto* p = reinterpret_cast<const unsigned char*>(info->dlpi_addr + ph.p_vaddr);
    const unsigned char* end = p + ph.p_memsz;
    while (p + sizeof(ElfW(Nhdr)) <= end) {
      const auto* note = reinterpret_cast<const ElfW(Nhdr)*>(p);
      const unsigned char* name = p + sizeof(ElfW(Nhdr));
      const unsigned char* desc = name + ((note->n_namesz + 3u) & ~3u);
      if (note->n_type == NT_GNU_BUILD_ID && note->n_namesz == 4 &&
          std::memcmp(name, "GNU", 4) == 0) {
        std::printf("exe_build_id ");
        for (unsigned j = 0; j < note->n_descsz; ++j) std::printf("%02x", desc[j]);
        std::printf("\n");
      }
      p = desc + ((note->n_descsz + 3u) & ~3u);
    }
  }
  return 1;
}

}  // namespace

extern "C" __attribute__((noinline)) void fixtureCapture() {
  g_captured = reinterpret_cast<std::uintptr_t>(__builtin_return_address(0));
}

__attribute__((always_inline)) inline int inlineHelper(int x) {
  fixtureCapture();  // @capture-in-helper
  return x * 3;
}

__attribute__((noinline)) int outerFunction(int x) {
  const int y = inlineHelper(x + 1);  // @inline-call
  return y + 2;
}

namespace memprof_fixture {

class Widget {
 public:
  explicit Widget(int base) : m_base(base) {}
  __attribute__((noinline)) int compute(int x) const;

 private:
  int m_base;
};

int Widget::compute(int x) const {
  fixtureCapture();  // @capture-in-member
  return m_base + x;
}

}  // namespace memprof_fixture

int main(int argc, char** /*argv*/) {
  dl_iterate_phdr(&printMainModule, nullptr);

  // argc keeps the arguments opaque, so GCC cannot specialize (constprop-clone) the functions.
  int sum = outerFunction(argc);
  std::printf("inline_ret 0x%jx\n", static_cast<std::uintmax_t>(g_captured));

  const memprof_fixture::Widget widget(argc);
  sum += widget.compute(argc);
  std::printf("member_ret 0x%jx\n", static_cast<std::uintmax_t>(g_captured));

  int (*volatile outer)(int) = &outerFunction;
  std::printf("outer_entry 0x%jx\n",
              static_cast<std::uintmax_t>(reinterpret_cast<std::uintptr_t>(outer)));

  ModuleHit hit;
  hit.address = reinterpret_cast<std::uintptr_t>(dlsym(RTLD_DEFAULT, "malloc"));
  dl_iterate_phdr(&findModule, &hit);
  if (hit.found) {
    std::printf("malloc_addr 0x%jx\n", static_cast<std::uintmax_t>(hit.address));
    std::printf("malloc_base 0x%jx\n", static_cast<std::uintmax_t>(hit.base));
    std::printf("malloc_module %s\n", hit.name);
  }
  std::printf("sum %d\n", sum);
  return 0;
}
