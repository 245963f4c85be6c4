/* SPDX-License-Identifier: MIT
 * dlopen_host.c — dlopen_host PLUGIN [PLUGIN2]
 * For each module given: dlopen(RTLD_NOW), call its plugin_leak(), dlclose. Prints
 * "plugin N at 0xADDR\n" (the address of plugin_leak) for each module. Exit status 0 on
 * success, 10+ on loader errors. The host itself leaks 55 B at @host_leak.
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>

#include "mpt_util.h"

typedef void (*plugin_fn)(void);

__attribute__((noinline)) static void say_hex(uintptr_t v) {
  char buf[2 + 16 + 1];
  const char *digits = "0123456789abcdef";
  buf[0] = '0';
  buf[1] = 'x';
  for (int i = 0; i < 16; i++) buf[2 + i] = digits[(v >> (60 - 4 * i)) & 0xf];
  buf[18] = '\0';
  mpt_say(buf);
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  void *h = malloc(55); /* @host_leak */
  mpt_sink(h);
  mpt_sink(NULL);
  for (int i = 1; i < argc; i++) {
    void *mod = dlopen(argv[i], RTLD_NOW | RTLD_LOCAL);
    if (mod == NULL) return 10;
    plugin_fn fn;
    *(void **)(&fn) = dlsym(mod, "plugin_leak");
    if (fn == NULL) return 11;
    mpt_say("plugin ");
    mpt_say_num(i);
    mpt_say(" at ");
    say_hex((uintptr_t)*(void **)(&fn));
    mpt_say("\n");
    fn(); /* @host_calls_plugin */
    if (dlclose(mod) != 0) return 12;
  }
  mpt_scrub_stack();
  return 0;
}
