// SPDX-License-Identifier: MIT
/// @brief `memprof leaks --format junit`: one <testcase> per leak, for CI test dashboards.
///
/// Definitely and indirectly lost leaks are failures (they fail `memprof run --leak-check`);
/// possibly lost and still reachable ones are passing test cases that carry their stack in
/// <system-out>, so dashboards show them without turning red.
#include <sstream>

#include "memprof/present/presenters.h"

namespace memprof::present {

namespace {

std::string xmlEscape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // XML 1.0 forbids most control characters even when escaped.
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\n' || c == '\t') out += c;
    }
  }
  return out;
}

std::string stackText(const model::Leak& leak) {
  std::ostringstream s;
  for (const auto& f : leak.stack) {
    s << "    " << (f.function.empty() ? "??" : f.function);
    if (!f.file.empty()) s << " " << f.file << ":" << f.line;
    if (!f.module.empty()) s << " in " << f.module;
    s << '\n';
  }
  return s.str();
}

}  // namespace

bool leakFails(const model::Leak& leak) {
  return leak.kind == "definite" || leak.kind == "indirect";
}

const model::Frame* allocationSite(const model::Leak& leak) {
  for (const auto& f : leak.stack) {
    if (!f.file.empty()) return &f;
  }
  return nullptr;
}

std::string leakTitle(const model::Leak& leak) {
  std::ostringstream s;
  s << leak.kind << " leak: " << leak.bytes << " bytes in " << leak.allocations
    << (leak.allocations == 1 ? " block" : " blocks");
  if (const model::Frame* f = allocationSite(leak)) {
    s << " at " << f->file << ":" << f->line;
    if (!f->function.empty()) s << " (" << f->function << ")";
  } else if (!leak.stack.empty() && !leak.stack.front().function.empty()) {
    s << " in " << leak.stack.front().function;
  }
  return s.str();
}

void writeLeaksJunit(const model::Report& r, std::ostream& out) {
  std::size_t failures = 0;
  for (const auto& leak : r.leaks) failures += leakFails(leak) ? 1 : 0;
  const std::size_t tests = r.leaks.empty() ? 1 : r.leaks.size();
  std::string program =
      r.program.command.empty() ? r.program.executable : r.program.command.front();
  program = program.substr(program.rfind('/') + 1);  // npos + 1 == 0: no slash, whole name
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<testsuites name=\"memprof\" tests=\"" << tests << "\" failures=\"" << failures
      << "\" errors=\"0\">\n"
      << "  <testsuite name=\"memprof.leaks." << xmlEscape(program) << "\" tests=\"" << tests
      << "\" failures=\"" << failures << "\" errors=\"0\" skipped=\"0\">\n";
  if (r.leaks.empty()) {
    out << "    <testcase classname=\"memprof.leaks\" name=\"no leaks\"/>\n";
  }
  std::size_t index = 0;
  for (const auto& leak : r.leaks) {
    const std::string title = leakTitle(leak);
    out << "    <testcase classname=\"memprof.leaks." << leak.kind << "\" name=\"#" << ++index
        << " " << xmlEscape(title) << "\"";
    if (const model::Frame* f = allocationSite(leak)) {
      out << " file=\"" << xmlEscape(f->file) << "\" line=\"" << f->line << "\"";
    }
    out << ">\n";
    if (leakFails(leak)) {
      out << "      <failure type=\"" << leak.kind << "\" message=\"" << xmlEscape(title) << "\">"
          << xmlEscape(stackText(leak)) << "</failure>\n";
    } else {
      out << "      <system-out>" << xmlEscape(title + "\n" + stackText(leak)) << "</system-out>\n";
    }
    out << "    </testcase>\n";
  }
  out << "  </testsuite>\n</testsuites>\n";
}

}  // namespace memprof::present
