// SPDX-License-Identifier: MIT
/// @brief Unit tests of memprof_leaks: LSan-style template matching and suppression files.
#define BOOST_TEST_MODULE test_leaks
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "memprof/leaks/suppressions.h"
#include "memprof/model/report.h"

namespace fs = std::filesystem;
using memprof::leaks::Suppressions;
using memprof::leaks::templateMatch;
using memprof::model::Frame;
using memprof::model::Leak;

namespace {

struct TempFile {
  explicit TempFile(const std::string& content) {
    path = (fs::temp_directory_path() / ("memprof-test-leaks-" + std::to_string(::getpid()) + "-" +
                                         std::to_string(counter()++) + ".supp"))
               .string();
    std::ofstream(path) << content;
  }
  ~TempFile() {
    std::error_code ec;
    fs::remove(path, ec);
  }
  static int& counter() {
    static int n = 0;
    return n;
  }
  std::string path;
};

Frame frame(std::string function, std::string file, std::string module) {
  Frame f;
  f.function = std::move(function);
  f.file = std::move(file);
  f.line = 12;
  f.module = std::move(module);
  f.address = 0x401136;
  return f;
}

Leak leak(std::uint64_t bytes, std::vector<Frame> stack) {
  Leak l;
  l.bytes = bytes;
  l.allocations = 1;
  l.kind = "definite";
  l.stack = std::move(stack);
  return l;
}

std::string errorOf(const std::string& path) {
  try {
    (void)Suppressions::fromFile(path);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  BOOST_ERROR("fromFile(" << path << ") did not throw");
  return {};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(TemplateMatch)

BOOST_AUTO_TEST_CASE(templateMatch_plainPattern_matchesAnySubstring) {
  BOOST_TEST(templateMatch("alloc", "my_allocator"));
  BOOST_TEST(templateMatch("alloc", "alloc"));
  BOOST_TEST(templateMatch("alloc", "xalloc"));
  BOOST_TEST(templateMatch("alloc", "allocx"));
  BOOST_TEST(!templateMatch("alloc", "allo"));
  BOOST_TEST(!templateMatch("alloc", "ALLOC"));
  BOOST_TEST(!templateMatch("xyz", "my_allocator"));
}

BOOST_AUTO_TEST_CASE(templateMatch_starAtEdges_matchesAround) {
  BOOST_TEST(templateMatch("*", "anything"));
  BOOST_TEST(templateMatch("foo*", "foobar"));
  BOOST_TEST(templateMatch("*bar", "foobar"));
  BOOST_TEST(templateMatch("foo*bar", "foo_x_bar"));
  BOOST_TEST(templateMatch("foo*bar", "foobar"));
  BOOST_TEST(!templateMatch("foo*bar", "barfoo"));
  BOOST_TEST(templateMatch("a*b*c", "a1b2c"));
  BOOST_TEST(!templateMatch("a*b*c", "a1c2b"));
}

// LSan semantics: without '$' the match may end anywhere, also after a '*' part. The pattern
// "foo*bar" is in "xxfooYYbarzz" (as "fooYYbar"), and "libfoo*.so" names /usr/lib/libfoo-1.so.6.
BOOST_AUTO_TEST_CASE(templateMatch_starPatternFollowedByMoreText_matches) {
  BOOST_TEST(templateMatch("foo*bar", "xxfooYYbarzz"));
  BOOST_TEST(templateMatch("foo*bar", "foobarz"));
  BOOST_TEST(templateMatch("libfoo*.so", "/usr/lib/libfoo-1.so.6"));
  BOOST_TEST(templateMatch("std::*::allocate", "std::vector<int>::allocate_n"));
  BOOST_TEST(templateMatch("^foo*bar", "foo1bar2"));
}

BOOST_AUTO_TEST_CASE(templateMatch_caretAnchor_matchesOnlyAtStart) {
  BOOST_TEST(templateMatch("^foo", "foobar"));
  BOOST_TEST(!templateMatch("^foo", "xfoo"));
  BOOST_TEST(templateMatch("^_dl_*", "_dl_allocate_tls"));
  BOOST_TEST(!templateMatch("^_dl_*", "x_dl_allocate_tls"));
  BOOST_TEST(templateMatch("^*foo", "xfoo"));  // a leading '*' after '^' lifts the anchor
}

BOOST_AUTO_TEST_CASE(templateMatch_dollarAnchor_matchesOnlyAtEnd) {
  BOOST_TEST(templateMatch("bar$", "foobar"));
  BOOST_TEST(!templateMatch("bar$", "barx"));
  BOOST_TEST(templateMatch("f*r$", "xfoobar"));
  BOOST_TEST(!templateMatch("f*r$", "xfoobarx"));
}

BOOST_AUTO_TEST_CASE(templateMatch_bothAnchors_matchWholeText) {
  BOOST_TEST(templateMatch("^main$", "main"));
  BOOST_TEST(!templateMatch("^main$", "main2"));
  BOOST_TEST(!templateMatch("^main$", "xmain"));
  BOOST_TEST(templateMatch("^_IO_file_doallocate$", "_IO_file_doallocate"));
  BOOST_TEST(templateMatch("^m*n$", "main"));
}

BOOST_AUTO_TEST_CASE(templateMatch_emptyPattern_matchesNothing) {
  BOOST_TEST(!templateMatch("", "main"));
  BOOST_TEST(!templateMatch("", ""));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(SuppressionsTests)

BOOST_AUTO_TEST_CASE(fromFile_commentsBlanksAndOtherKinds_keepsOnlyLeakRules) {
  TempFile f(
      "# a comment\n"
      "\n"
      "leak:foo_alloc\n"
      "   \t  \n"
      "  leak:  libbar.so  \n"
      "race:some_racy_function\n"
      "  # indented comment\n"
      "leak:\n"
      "called_from_lib:libbaz.so\n"
      "leak:^main$\r\n");
  const Suppressions s = Suppressions::fromFile(f.path);
  BOOST_TEST(s.size() == 3U);
  BOOST_TEST(s.match(leak(1, {frame("foo_alloc", "", "")})) != nullptr);
  BOOST_TEST(s.match(leak(1, {frame("x", "", "/usr/lib/libbar.so")})) != nullptr);
  BOOST_TEST(s.match(leak(1, {frame("main", "", "")})) != nullptr);
  BOOST_TEST(s.match(leak(1, {frame("some_racy_function", "", "")})) == nullptr);
  BOOST_TEST(s.match(leak(1, {frame("x", "", "/lib/libbaz.so")})) == nullptr);
}

BOOST_AUTO_TEST_CASE(fromFile_malformedLine_errorNamesFileAndLine) {
  TempFile f("# header\nleak:ok\n\nthis line has no colon\nleak:later\n");
  const std::string msg = errorOf(f.path);
  BOOST_TEST(msg.find(f.path + ":4") != std::string::npos, msg);
}

BOOST_AUTO_TEST_CASE(fromFile_missingFile_errorNamesFile) {
  const std::string path = "/nonexistent-dir-memprof/none.supp";
  const std::string msg = errorOf(path);
  BOOST_TEST(msg.find(path) != std::string::npos, msg);
}

BOOST_AUTO_TEST_CASE(fromFile_emptyFile_hasNoRules) {
  TempFile f("");
  BOOST_TEST(Suppressions::fromFile(f.path).size() == 0U);
}

BOOST_AUTO_TEST_CASE(match_anyFrameFunctionFileOrModule_returnsRule) {
  const Leak l = leak(100, {frame("inner_alloc", "/src/util/pool.c", "/usr/lib/libpool.so.1"),
                            frame("main", "/src/app/main.c", "/opt/app/bin/app")});
  Suppressions byFunction;
  byFunction.add("inner_alloc");
  Suppressions byOuterFunction;
  byOuterFunction.add("^main$");
  Suppressions byFile;
  byFile.add("util/pool.c");
  Suppressions byModule;
  byModule.add("libpool.so");
  Suppressions none;
  none.add("nothing_like_this");
  none.add("^pool");  // anchored: "/src/util/pool.c" does not start with it
  BOOST_REQUIRE(byFunction.match(l) != nullptr);
  BOOST_TEST(*byFunction.match(l) == "inner_alloc");
  BOOST_TEST(byOuterFunction.match(l) != nullptr);
  BOOST_TEST(byFile.match(l) != nullptr);
  BOOST_TEST(byModule.match(l) != nullptr);
  BOOST_TEST(none.match(l) == nullptr);
}

BOOST_AUTO_TEST_CASE(match_multipleRules_returnsTheMatchingOne) {
  Suppressions s;
  s.add("first_rule");
  s.add("app/main.c");
  const Leak l = leak(1, {frame("main", "/src/app/main.c", "")});
  BOOST_REQUIRE(s.match(l) != nullptr);
  BOOST_TEST(*s.match(l) == "app/main.c");
}

BOOST_AUTO_TEST_CASE(match_emptyStack_neverMatches) {
  Suppressions s;
  s.add("*");
  BOOST_TEST(s.match(leak(1, {})) == nullptr);
}

BOOST_AUTO_TEST_CASE(applySuppressions_mixedLeaks_removesMatchedAndCountsThem) {
  memprof::model::Report report;
  report.leaks.push_back(leak(300, {frame("keep_me", "/src/a.c", "/bin/app")}));
  report.leaks.push_back(leak(200, {frame("x", "/src/b.c", "/lib/libthird.so")}));
  report.leaks.push_back(leak(100, {frame("also_kept", "/src/c.c", "/bin/app")}));
  report.leaks.push_back(leak(50, {frame("inner", "", ""), frame("third_party_init", "", "")}));
  Suppressions s;
  s.add("libthird");
  s.add("third_party_*");
  BOOST_TEST(memprof::leaks::applySuppressions(report, s) == 2U);
  BOOST_REQUIRE(report.leaks.size() == 2U);
  BOOST_TEST(report.leaks[0].stack[0].function == "keep_me");
  BOOST_TEST(report.leaks[1].stack[0].function == "also_kept");
  BOOST_TEST(memprof::leaks::applySuppressions(report, Suppressions{}) == 0U);
  BOOST_TEST(report.leaks.size() == 2U);
}

BOOST_AUTO_TEST_CASE(builtIn_runtimeOneTimeAllocations_areSuppressed) {
  const Suppressions s = Suppressions::builtIn();
  BOOST_TEST(s.size() > 0U);
  BOOST_TEST(s.match(leak(1, {frame("_dl_allocate_tls", "", "")})) != nullptr);
  BOOST_TEST(s.match(leak(1, {frame("x", "", "/lib64/ld-linux-x86-64.so.2")})) != nullptr);
  BOOST_TEST(s.match(leak(1, {frame("_IO_file_doallocate", "", "")})) != nullptr);
  BOOST_TEST(s.match(leak(1, {frame("main", "/src/app.c", "/bin/app")})) == nullptr);
}

BOOST_AUTO_TEST_CASE(append_twoSets_concatenatesRules) {
  Suppressions a;
  a.add("one");
  Suppressions b;
  b.add("two");
  b.add("three");
  a.append(b);
  BOOST_TEST(a.size() == 3U);
  BOOST_TEST(a.match(leak(1, {frame("three", "", "")})) != nullptr);
}

BOOST_AUTO_TEST_SUITE_END()
