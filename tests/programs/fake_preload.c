/* SPDX-License-Identifier: MIT
 * fake_preload.c — a decoy built as "libmemprof.so" (in its own folder). When it is loaded it
 * appends a line to the file named by $MPT_DECOY_MARKER. The tests put copies where a wrong
 * lookup would find them (the current directory, ./lib, ../lib of the cwd) to check that
 * `memprof run` takes the preload library next to itself (../lib/libmemprof.so) and nothing else.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((constructor)) static void decoy_loaded(void) {
  const char *marker = getenv("MPT_DECOY_MARKER");
  if (marker == NULL || *marker == '\0') return;
  int fd = open(marker, O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd < 0) return;
  ssize_t w = write(fd, "decoy libmemprof.so loaded\n", 27);
  (void)w;
  close(fd);
}
