// SPDX-License-Identifier: MIT
/// @brief Folds every replayed stack into distinct symbolized stacks per weight kind.
#include "memprof/aggregate/stack_profile_builder.h"

#include <map>
#include <tuple>

#include "frame_table.h"
#include "sample_rate.h"

namespace memprof::aggregate {

namespace {

std::uint64_t weightOf(const StackFigures& s, model::ProfileKind kind) {
  switch (kind) {
    case model::ProfileKind::Cpu:
      return s.samples;
    case model::ProfileKind::Alloc:
      return s.bytes;
    case model::ProfileKind::Peak:
      return s.peakBytes;
    case model::ProfileKind::Leaked:
      return s.liveBytes;  // live at the end = leaked
  }
  return 0;
}

std::string programName(const reader::ProcessInfo& p) {
  const std::string& path =
      !p.exe.empty() ? p.exe : (p.argv.empty() ? std::string() : p.argv.front());
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

/// Interns source locations: addresses differ per call site, but a flame graph wants one box
/// per function and line.
class LocationTable {
 public:
  std::uint32_t intern(const model::Frame& f) {
    auto key = std::make_tuple(f.function, f.file, f.line, f.module);
    auto [it, inserted] =
        m_ids.try_emplace(std::move(key), static_cast<std::uint32_t>(m_frames.size()));
    if (inserted)
      m_frames.push_back(model::Frame{f.function, f.file, f.line, f.module, 0, f.inlined});
    return it->second;
  }
  std::vector<model::Frame> take() { return std::move(m_frames); }

 private:
  std::map<std::tuple<std::string, std::string, std::uint32_t, std::string>, std::uint32_t> m_ids;
  std::vector<model::Frame> m_frames;
};

}  // namespace

std::vector<model::StackProfile> buildStackProfiles(const HeapReplay& replay,
                                                    symbolize::Symbolizer& symbolizer,
                                                    const std::vector<model::ProfileKind>& kinds) {
  FrameTable table(replay, symbolizer);
  std::vector<std::uint32_t> frames;
  std::vector<std::uint32_t> path;
  std::vector<model::StackProfile> out;
  for (const model::ProfileKind kind : kinds) {
    LocationTable locations;
    std::map<std::vector<std::uint32_t>, std::uint64_t> merged;
    replay.stacks().forEach([&](std::uint32_t id, const StackFigures& figures) {
      const std::uint64_t weight = weightOf(figures, kind);
      if (weight == 0) return;
      table.stackFrames(id, kind == model::ProfileKind::Cpu, frames);
      path.clear();
      for (auto f = frames.rbegin(); f != frames.rend(); ++f)
        path.push_back(locations.intern(table.frame(*f)));
      if (path.empty()) path.push_back(locations.intern(model::Frame{}));  // sample without a stack
      merged[path] += weight;
    });
    model::StackProfile profile;
    profile.kind = kind;
    profile.sampleHz = effectiveSampleHz(replay);
    profile.programName = programName(replay.process());
    profile.frames = locations.take();
    for (auto& [stack, weight] : merged)
      profile.stacks.push_back(model::ProfileStack{stack, weight});
    out.push_back(std::move(profile));
  }
  return out;
}

}  // namespace memprof::aggregate
