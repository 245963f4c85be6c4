// SPDX-License-Identifier: MIT
/// @brief JSON and CSV export of a Figure.
#include "memprof/plot/data_export.h"

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace memprof::plot {

namespace {

const char* kindName(SeriesKind k) {
  switch (k) {
    case SeriesKind::Heap:
      return "heap";
    case SeriesKind::Rss:
      return "rss";
    case SeriesKind::TotalHeap:
      return "total_heap";
    case SeriesKind::TotalRss:
      return "total_rss";
  }
  return "heap";
}

nlohmann::json peakJson(const PeakMark& p) {
  return {{"t", p.t}, {"bytes", p.bytes}, {"site", p.site}};
}

std::string csvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c == '\n' ? ' ' : c);
  return out + "\"";
}

}  // namespace

void writeFigureJson(const Figure& f, std::ostream& out) {
  nlohmann::json j;
  j["title"] = f.title;
  j["duration_s"] = f.durationS;
  j["logs"] = f.logs;
  j["series"] = nlohmann::json::array();
  for (const Series& s : f.lines) {
    nlohmann::json t = nlohmann::json::array(), b = nlohmann::json::array();
    for (const auto& p : s.points) {
      t.push_back(p.t);
      b.push_back(p.bytes);
    }
    j["series"].push_back(
        {{"name", s.name}, {"kind", kindName(s.kind)}, {"pid", s.pid}, {"t", t}, {"bytes", b}});
  }
  j["heap_peak"] = f.heapPeak ? peakJson(*f.heapPeak) : nlohmann::json(nullptr);
  j["rss_peak"] = f.rssPeak ? peakJson(*f.rssPeak) : nlohmann::json(nullptr);
  if (f.stacked) {
    j["stacked"] = {
        {"labels", f.stacked->labels}, {"t", f.stacked->t}, {"bytes", f.stacked->bytes}};
  }
  j["functions"] = nlohmann::json::array();
  for (const auto& fn : f.functions) {
    nlohmann::json spans = nlohmann::json::array();
    for (const auto& [b, e] : fn.spans) spans.push_back({b, e});
    j["functions"].push_back({{"function", fn.function}, {"spans", spans}});
  }
  out << j.dump(1) << '\n';
}

void writeFigureCsv(const Figure& f, std::ostream& out) {
  if (f.heapPeak)
    out << "# heap_peak t_s=" << f.heapPeak->t << " bytes=" << f.heapPeak->bytes
        << " site=" << f.heapPeak->site << '\n';
  if (f.rssPeak) out << "# rss_peak t_s=" << f.rssPeak->t << " bytes=" << f.rssPeak->bytes << '\n';
  out << "series,t_s,bytes\n";
  for (const Series& s : f.lines) {
    for (const auto& p : s.points) out << csvField(s.name) << ',' << p.t << ',' << p.bytes << '\n';
  }
  if (f.stacked) {
    for (std::size_t r = 0; r < f.stacked->labels.size(); ++r) {
      for (std::size_t i = 0; i < f.stacked->t.size(); ++i) {
        out << csvField("site:" + f.stacked->labels[r]) << ',' << f.stacked->t[i] << ','
            << f.stacked->bytes[r][i] << '\n';
      }
    }
  }
  for (const auto& fn : f.functions) {
    for (const auto& [b, e] : fn.spans) {
      out << csvField("function:" + fn.function) << ',' << b << ",1\n"
          << csvField("function:" + fn.function) << ',' << e << ",0\n";
    }
  }
}

void writeFigureData(const Figure& figure, const std::string& path) {
  std::ofstream out(path);
  if (!out)
    throw std::runtime_error(path + ": cannot write the plot data: " + std::strerror(errno));
  out.precision(9);
  const bool json = path.size() >= 5 && path.compare(path.size() - 5, 5, ".json") == 0;
  if (json)
    writeFigureJson(figure, out);
  else
    writeFigureCsv(figure, out);
  out.flush();
  if (!out) throw std::runtime_error(path + ": cannot write the plot data");
}

}  // namespace memprof::plot
