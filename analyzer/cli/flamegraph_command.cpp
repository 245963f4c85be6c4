// SPDX-License-Identifier: MIT
/// @brief `memprof flamegraph`: whole stacks weighted by CPU samples or bytes, as folded
/// stacks (flamegraph.pl, inferno) or speedscope JSON.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <fstream>
#include <iostream>

#include "commands.h"
#include "memprof/aggregate/stack_profile_builder.h"
#include "memprof/present/presenters.h"
#include "memprof/symbolize/symbolizer.h"

namespace memprof::cli {

namespace {

model::ProfileKind parseKind(const std::string& kind) {
  if (kind == "alloc") return model::ProfileKind::Alloc;
  if (kind == "peak") return model::ProfileKind::Peak;
  if (kind == "leaked") return model::ProfileKind::Leaked;
  return model::ProfileKind::Cpu;
}

bool empty(const model::StackProfile& p) { return p.stacks.empty(); }

}  // namespace

int flamegraphCommand(int argc, char** argv) {
  CLI::App app{"Export call stacks for flame graphs: folded stacks or speedscope JSON",
               "memprof flamegraph"};
  std::string kind = "cpu";
  std::string format = "folded";
  std::string output;
  std::string log;
  auto* kindOption =
      app.add_option("--kind", kind,
                     "weight: cpu (samples), alloc (bytes allocated), peak (bytes live "
                     "at the heap peak), leaked (bytes never freed)")
          ->check(CLI::IsMember({"cpu", "alloc", "peak", "leaked"}));
  app.add_option("--format", format,
                 "folded (flamegraph.pl / inferno-flamegraph input) or speedscope (JSON; without "
                 "--kind it holds one profile per kind that has data)")
      ->check(CLI::IsMember({"folded", "speedscope"}));
  app.add_option("-o,--output", output, "write here instead of standard output");
  app.add_option("LOG", log, "the log to analyse")->required();
  CLI11_PARSE(app, argc, argv);

  std::vector<model::ProfileKind> kinds{parseKind(kind)};
  const bool everyKind = format == "speedscope" && kindOption->count() == 0;
  if (everyKind) {
    kinds = {model::ProfileKind::Cpu, model::ProfileKind::Alloc, model::ProfileKind::Peak,
             model::ProfileKind::Leaked};
  }
  aggregate::HeapReplay replay;
  replayLog(log, replay);
  symbolize::Symbolizer symbolizer;
  std::vector<model::StackProfile> profiles =
      aggregate::buildStackProfiles(replay, symbolizer, kinds);
  if (everyKind) {
    // Only kinds with data, so speedscope opens on something; keep one if all are empty.
    std::erase_if(profiles, empty);
    if (profiles.empty())
      profiles = aggregate::buildStackProfiles(replay, symbolizer, {kinds.front()});
  }
  if (std::all_of(profiles.begin(), profiles.end(), empty)) {
    std::cerr << "memprof: warning: " << log << ": no "
              << (kinds.front() == model::ProfileKind::Cpu && !everyKind
                      ? "CPU samples (recorded with --sample-hz 0?)"
                      : "stacks with weight")
              << "; the output is empty\n";
  }

  std::ofstream file;
  if (!output.empty()) {
    file.open(output, std::ios::binary | std::ios::trunc);
    if (!file) {
      std::cerr << "memprof: error: cannot write " << output << '\n';
      return 1;
    }
  }
  std::ostream& out = output.empty() ? std::cout : file;
  if (format == "speedscope")
    present::writeSpeedscope(profiles, out);
  else
    present::writeFolded(profiles.front(), out);
  out.flush();
  if (!out) {
    std::cerr << "memprof: error: writing " << (output.empty() ? "standard output" : output)
              << " failed\n";
    return 1;
  }
  if (!output.empty()) std::cerr << "memprof: wrote " << output << '\n';
  return 0;
}

}  // namespace memprof::cli
