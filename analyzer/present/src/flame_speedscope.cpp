// SPDX-License-Identifier: MIT
/// @brief speedscope JSON (https://www.speedscope.app/file-format-schema.json): "sampled"
/// profiles over one shared frame table.
#include <map>
#include <nlohmann/json.hpp>
#include <tuple>

#include "memprof/present/presenters.h"

namespace memprof::present {

namespace {

using nlohmann::json;

const char* title(model::ProfileKind kind) {
  switch (kind) {
    case model::ProfileKind::Cpu:
      return "CPU time";
    case model::ProfileKind::Alloc:
      return "bytes allocated";
    case model::ProfileKind::Peak:
      return "bytes live at the heap peak";
    case model::ProfileKind::Leaked:
      return "bytes leaked";
  }
  return "";
}

}  // namespace

void writeSpeedscope(const std::vector<model::StackProfile>& profiles, std::ostream& out) {
  json frames = json::array();
  std::map<std::tuple<std::string, std::string, std::uint32_t>, std::size_t> shared;
  json list = json::array();
  std::string program;
  for (const auto& p : profiles) {
    if (program.empty()) program = p.programName;
    // Profiles number frames on their own; map them into the shared table by what is shown.
    std::vector<std::size_t> index;
    for (const auto& f : p.frames) {
      const std::string name = frameLabel(f);
      auto [it, inserted] = shared.try_emplace({name, f.file, f.line}, frames.size());
      if (inserted) {
        json frame{{"name", name}};
        if (!f.file.empty()) {
          frame["file"] = f.file;
          if (f.line != 0) frame["line"] = f.line;
        }
        frames.push_back(std::move(frame));
      }
      index.push_back(it->second);
    }
    // CPU samples become seconds when the rate is known, so speedscope shows time.
    const bool seconds = p.kind == model::ProfileKind::Cpu && p.sampleHz > 0;
    const char* unit = p.kind == model::ProfileKind::Cpu ? (seconds ? "seconds" : "none") : "bytes";
    json samples = json::array();
    json weights = json::array();
    double sum = 0;
    std::uint64_t total = 0;
    for (const auto& s : p.stacks) {
      json stack = json::array();
      for (const std::uint32_t f : s.frames) stack.push_back(index[f]);  // root first
      samples.push_back(std::move(stack));
      const double w =
          seconds ? static_cast<double>(s.weight) / p.sampleHz : static_cast<double>(s.weight);
      weights.push_back(seconds ? json(w) : json(s.weight));
      sum += w;
      total += s.weight;
    }
    list.push_back(json{
        {"type", "sampled"},
        {"name", (p.programName.empty() ? std::string() : p.programName + ": ") + title(p.kind)},
        {"unit", unit},
        {"startValue", 0},
        {"endValue", seconds ? json(sum) : json(total)},
        {"samples", std::move(samples)},
        {"weights", std::move(weights)}});
  }
  json doc{{"$schema", "https://www.speedscope.app/file-format-schema.json"},
           {"shared", json{{"frames", std::move(frames)}}},
           {"profiles", std::move(list)},
           {"name", program.empty() ? std::string("memprof") : program},
           {"activeProfileIndex", 0},
           {"exporter", "memprof"}};
  out << doc.dump() << '\n';
}

}  // namespace memprof::present
