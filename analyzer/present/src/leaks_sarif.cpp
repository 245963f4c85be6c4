// SPDX-License-Identifier: MIT
/// @brief `memprof leaks --format sarif`: SARIF 2.1.0, one result per leak (code-scanning UIs).
///
/// Each result points at the allocating line (the innermost frame with a source file); the
/// whole allocation stack goes into "stacks". A leak without any line information points at
/// its module (line 1), so every result has a physical location as viewers require.
#include <nlohmann/json.hpp>

#include "memprof/present/presenters.h"

namespace memprof::present {

namespace {

using nlohmann::json;

struct Rule {
  const char* kind;
  const char* id;
  const char* level;
  const char* text;
};
constexpr Rule kRules[] = {
    {"definite", "memprof.leak.definite", "error",
     "Memory definitely lost: no pointer to the block remains"},
    {"indirect", "memprof.leak.indirect", "error",
     "Memory indirectly lost: only reachable from lost blocks"},
    {"possible", "memprof.leak.possible", "warning",
     "Memory possibly lost: only interior pointers to the block remain"},
    {"reachable", "memprof.leak.reachable", "note", "Memory still reachable at exit, never freed"},
};

std::size_t ruleIndex(const std::string& kind) {
  for (std::size_t i = 0; i < std::size(kRules); ++i) {
    if (kind == kRules[i].kind) return i;
  }
  return 0;
}

/// RFC 8089 file URI for absolute paths (percent-encoding what URIs cannot hold); else as is.
std::string fileUri(const std::string& path) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out = path.empty() || path[0] != '/' ? "" : "file://";
  for (const unsigned char c : path) {
    if (std::isalnum(c) != 0 ||
        std::string_view("/-._~").find(static_cast<char>(c)) != std::string_view::npos) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

json location(const std::string& path, std::uint32_t line, const std::string& function) {
  json loc{{"physicalLocation", json{{"artifactLocation", json{{"uri", fileUri(path)}}},
                                     {"region", json{{"startLine", line == 0 ? 1 : line}}}}}};
  if (!function.empty())
    loc["logicalLocations"] = json::array({json{{"fullyQualifiedName", function}}});
  return loc;
}

json result(const model::Leak& leak) {
  const Rule& rule = kRules[ruleIndex(leak.kind)];
  json primary;
  if (const model::Frame* f = allocationSite(leak)) {
    primary = location(f->file, f->line, f->function);
  } else {
    const model::Frame* first = leak.stack.empty() ? nullptr : &leak.stack.front();
    primary = location(first != nullptr && !first->module.empty() ? first->module : "unknown", 1,
                       first != nullptr ? first->function : "");
  }
  json frames = json::array();
  for (const auto& f : leak.stack) {
    json frame{{"module", f.module}};
    if (!f.file.empty())
      frame["location"] = location(f.file, f.line, f.function);
    else if (!f.function.empty())
      frame["location"] =
          json{{"logicalLocations", json::array({json{{"fullyQualifiedName", f.function}}})}};
    frames.push_back(std::move(frame));
  }
  return json{
      {"ruleId", rule.id},
      {"ruleIndex", ruleIndex(leak.kind)},
      {"level", rule.level},
      {"message", json{{"text", leakTitle(leak)}}},
      {"locations", json::array({std::move(primary)})},
      {"stacks", json::array({json{{"message", json{{"text", "allocation stack"}}},
                                   {"frames", std::move(frames)}}})},
      {"properties",
       json{{"kind", leak.kind}, {"bytes", leak.bytes}, {"allocations", leak.allocations}}}};
}

}  // namespace

void writeLeaksSarif(const model::Report& r, std::ostream& out) {
  json rules = json::array();
  for (const Rule& rule : kRules) {
    rules.push_back(json{{"id", rule.id},
                         {"shortDescription", json{{"text", rule.text}}},
                         {"defaultConfiguration", json{{"level", rule.level}}}});
  }
  json results = json::array();
  for (const auto& leak : r.leaks) results.push_back(result(leak));
  json doc{
      {"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
      {"version", "2.1.0"},
      {"runs",
       json::array({json{
           {"tool", json{{"driver", json{{"name", "memprof"},
                                         {"informationUri", "https://github.com/memprof/memprof"},
                                         {"rules", std::move(rules)}}}}},
           {"invocations",
            json::array({json{{"executionSuccessful", true}, {"commandLine", r.logPath}}})},
           {"results", std::move(results)}}})}};
  out << doc.dump(1) << '\n';
}

}  // namespace memprof::present
