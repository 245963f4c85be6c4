// SPDX-License-Identifier: MIT
/// @brief The JSON report of the contract, written with nlohmann::json.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "memprof/present/presenters.h"

namespace memprof::present {

namespace {

using nlohmann::json;

json counters(const model::Counters& c) {
  return json{{"allocations", c.allocations},
              {"bytes", c.bytes},
              {"peak_bytes", c.peakBytes},
              {"leaked_bytes", c.leakedBytes},
              {"leaked_allocations", c.leakedAllocations},
              {"samples", c.samples}};
}

std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

/// Whether @p text can be written between quotes as it is: printable ASCII without quotes or
/// backslashes, as nearly every name and path is.
bool plainString(const std::string& text) {
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') return false;
  }
  return true;
}

/// Appends the JSON string literal of @p text. Symbol names and paths are bytes, not always
/// valid UTF-8: invalid sequences become U+FFFD instead of making the whole report fail.
void appendString(std::string& out, const std::string& text) {
  if (plainString(text)) {
    out += '"';
    out += text;
    out += '"';
  } else {
    out += json(text).dump(-1, ' ', false, json::error_handler_t::replace);
  }
}

/// A JSON value serialised the same tolerant way.
std::string dumpValue(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

/// The JSON text of each distinct frame, made once: a compiler's report has a million leak
/// frames but only thousands of distinct ones, shared through the stacks' pool.
class FrameTexts {
 public:
  const std::string& text(const model::FrameStack& stack, std::size_t i) {
    if (stack.pool() != m_pool) {  // another pool (hand-built reports): start over
      m_pool = stack.pool();
      m_texts.clear();
    }
    const std::uint32_t id = stack.ids()[i];
    if (id >= m_texts.size()) m_texts.resize(std::size_t{id} + 1);
    std::string& text = m_texts[id];
    if (text.empty()) text = frameText(stack[i]);
    return text;
  }

 private:
  /// Same keys and order as nlohmann's output (sorted), so the document is unchanged.
  static std::string frameText(const model::Frame& f) {
    std::string out = "{\"address\":\"" + hex(f.address) + "\",\"file\":";
    appendString(out, f.file);
    out += ",\"function\":";
    appendString(out, f.function);
    out += ",\"inlined\":";
    out += f.inlined ? "true" : "false";
    out += ",\"line\":" + std::to_string(f.line) + ",\"module\":";
    appendString(out, f.module);
    out += '}';
    return out;
  }

  const model::FrameStack::Pool* m_pool = nullptr;
  std::vector<std::string> m_texts;  ///< by frame id; empty until first needed
};

/// One leak, written directly: building a JSON tree per frame made serialization the largest
/// cost of the whole analysis. Same keys and order as nlohmann's output (sorted).
void appendLeak(std::string& out, const model::Leak& leak, FrameTexts& frames) {
  out += "{\"allocations\":" + std::to_string(leak.allocations) +
         ",\"bytes\":" + std::to_string(leak.bytes) + ",\"kind\":";
  appendString(out, leak.kind);
  out += ",\"stack\":[";
  for (std::size_t i = 0; i < leak.stack.size(); ++i) {
    if (i > 0) out += ',';
    out += frames.text(leak.stack, i);
  }
  out += "]}";
}

json leakJson(const model::Leak& leak) {
  json stack = json::array();
  for (const auto& f : leak.stack) {
    stack.push_back(json{{"function", f.function},
                         {"file", f.file},
                         {"line", f.line},
                         {"module", f.module},
                         {"address", hex(f.address)},
                         {"inlined", f.inlined}});
  }
  return json{{"bytes", leak.bytes},
              {"allocations", leak.allocations},
              {"kind", leak.kind},
              {"stack", std::move(stack)}};
}

}  // namespace

void writeJsonReport(const model::Report& r, std::ostream& out) {
  json program{{"command", r.program.command},
               {"pid", r.program.pid},
               {"ppid", r.program.ppid},
               {"executable", r.program.executable},
               {"exit_code", r.program.exitCode ? json(*r.program.exitCode) : json(nullptr)},
               {"signal", r.program.signal ? json(*r.program.signal) : json(nullptr)},
               {"execed", r.program.execed}};
  const auto& t = r.totals;
  json totals{{"allocations", t.allocations},
              {"frees", t.frees},
              {"bytes_allocated", t.bytesAllocated},
              {"peak_heap_bytes", t.peakHeapBytes},
              {"peak_time_s", t.peakTimeS},
              {"leaked_bytes", t.leakedBytes},
              {"leaked_allocations", t.leakedAllocations},
              {"peak_rss_bytes", t.peakRssBytes},
              {"peak_rss_time_s", t.peakRssTimeS},
              {"duration_s", t.durationS},
              {"cpu_samples", t.cpuSamples},
              {"sample_hz", t.sampleHz}};
  json sampler = nullptr;
  if (r.sampler.present) {
    sampler = json{{"requested_hz", r.sampler.requestedHz},
                   {"achieved_hz", r.sampler.achievedHz},
                   {"clock", r.sampler.wallClock ? "wall" : "cpu"},
                   {"note", r.sampler.note}};
  }
  json modules = json::array();
  for (const auto& m : r.modules) {
    modules.push_back(json{{"path", m.path},
                           {"resolved", m.resolved},
                           {"unresolved", m.unresolved},
                           {"missing", m.missing},
                           {"build_id_mismatch", m.buildIdMismatch}});
  }
  // The document is streamed: the large arrays (lines, functions, leaks with full stacks,
  // timeline) are written one element at a time, so a compiler's report (a million leak frames)
  // does not first become a gigabyte-sized JSON tree in memory.
  out << "{\n \"memprof_format\": 1,\n \"program\": " << dumpValue(program)
      << ",\n \"totals\": " << dumpValue(totals);
  auto array = [&out](const char* name, const auto& items, auto&& toJson) {
    out << ",\n \"" << name << "\": [";
    bool first = true;
    for (const auto& item : items) {
      out << (first ? "\n  " : ",\n  ") << dumpValue(toJson(item));
      first = false;
    }
    out << (first ? "]" : "\n ]");
  };
  array("lines", r.lines, [](const model::LineEntry& l) {
    return json{{"file", l.file},
                {"line", l.line},
                {"function", l.function},
                {"self", counters(l.self)},
                {"total", counters(l.total)}};
  });
  // Extra (not in the contract's minimum): per-function figures, times in seconds when the
  // sampling rate is known.
  array("functions", r.functions, [&t](const model::FunctionEntry& f) {
    json entry{{"function", f.function}, {"file", f.file},           {"line", f.line},
               {"module", f.module},     {"self", counters(f.self)}, {"total", counters(f.total)}};
    if (t.sampleHz > 0) {
      entry["self_time_s"] = static_cast<double>(f.self.samples) / t.sampleHz;
      entry["total_time_s"] = static_cast<double>(f.total.samples) / t.sampleHz;
    }
    return entry;
  });
  out << ",\n \"leaks\": [";
  {
    // Gathered in a buffer and written in large pieces: hundreds of MB of small stream
    // insertions cost more than the text itself.
    FrameTexts frames;
    std::string buffer;
    for (std::size_t i = 0; i < r.leaks.size(); ++i) {
      buffer += i == 0 ? "\n  " : ",\n  ";
      appendLeak(buffer, r.leaks[i], frames);
      if (buffer.size() >= (std::size_t{1} << 20)) {
        out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        buffer.clear();
      }
    }
    out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
  }
  out << (r.leaks.empty() ? "]" : "\n ]");
  array("timeline", r.timeline, [](const model::TimelinePoint& p) {
    return json{{"t", p.t}, {"heap_bytes", p.heapBytes}, {"rss_bytes", p.rssBytes}};
  });
  out << ",\n \"sampler\": " << dumpValue(sampler) << ",\n \"modules\": " << dumpValue(modules)
      << ",\n \"truncated\": " << (r.truncated ? "true" : "false")
      << ",\n \"warnings\": " << dumpValue(json(r.warnings)) << ",\n \"log\": "
      << dumpValue(json{{"path", r.logPath}, {"bytes", r.logBytes}, {"heap_events", r.heapEvents}})
      << "\n}\n";
}

void writeLeaksJson(const model::Report& r, std::ostream& out) {
  json leaks = json::array();
  for (const auto& leak : r.leaks) leaks.push_back(leakJson(leak));
  json doc{{"memprof_format", 1},
           {"program", json{{"command", r.program.command}, {"pid", r.program.pid}}},
           {"leaked_bytes", r.totals.leakedBytes},
           {"leaked_allocations", r.totals.leakedAllocations},
           {"leaks", std::move(leaks)}};
  out << doc.dump(1, ' ', false, json::error_handler_t::replace) << '\n';
}

}  // namespace memprof::present
