// SPDX-License-Identifier: MIT
/// @brief Source paths made from libdw's line-table names (path_util.h).
#include <boost/test/unit_test.hpp>

#include "path_util.h"

using memprof::symbolize::detail::sourcePath;

BOOST_AUTO_TEST_SUITE(PathUtil)

BOOST_AUTO_TEST_CASE(sourcePath_absoluteName_keptAsIs) {
  BOOST_TEST(sourcePath("/build", "/src/app.c") == "/src/app.c");
  BOOST_TEST(sourcePath("./string", "/usr/include/stdio.h") == "/usr/include/stdio.h");
}

BOOST_AUTO_TEST_CASE(sourcePath_includeDirRelativeToCompDir_joined) {
  BOOST_TEST(sourcePath("/build/obj", "../include/x.h") == "/build/include/x.h");
  BOOST_TEST(sourcePath("./string", "../include/string.h") == "include/string.h");
}

BOOST_AUTO_TEST_CASE(sourcePath_fileOfRelativeCompDir_notJoinedTwice) {
  // glibc's libc6-dbg: DW_AT_comp_dir "./string", directory entry 0 "./string"; libdw names the
  // file "./string/strdup.c" (gdb shows the same). Not "string/string/strdup.c".
  BOOST_TEST(sourcePath("./string", "./string/strdup.c") == "string/strdup.c");
  BOOST_TEST(sourcePath("libio", "libio/vasprintf.c") == "libio/vasprintf.c");
  BOOST_TEST(sourcePath(".", "./app.c") == "app.c");
  BOOST_TEST(sourcePath("./string", "./stringx/y.c") == "string/stringx/y.c");
}

BOOST_AUTO_TEST_SUITE_END()
