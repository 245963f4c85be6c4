/* SPDX-License-Identifier: MIT
 * @brief Frees everything; exits with argv[1] (default 0). */
#include <stdlib.h>

int main(int argc, char **argv) {
  char *volatile p = malloc(1000);
  free(p);
  return argc > 1 ? atoi(argv[1]) : 0;
}
