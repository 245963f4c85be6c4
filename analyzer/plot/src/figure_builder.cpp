// SPDX-License-Identifier: MIT
/// @brief Reports → Figure (series, total, peak marks), downsampled with peaks kept.
#include "memprof/plot/figure_builder.h"

#include <algorithm>
#include <cstdio>

#include "memprof/plot/downsample.h"
#include "memprof/plot/series_sum.h"
#include "memprof/present/presenters.h"

namespace memprof::plot {

namespace {

std::string seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, s < 100 ? "%.2f s" : "%.0f s", s);
  return buf;
}

std::string baseName(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string commandLine(const model::Program& p) {
  std::string out;
  for (const auto& a : p.command) out += (out.empty() ? "" : " ") + a;
  if (out.empty()) out = p.executable;
  if (out.size() > 100) out = out.substr(0, 97) + "...";  // a title is one line
  return out;
}

/// Value of a step series at @p t (0 before its first point and after its end).
std::uint64_t valueAt(const std::vector<SeriesPoint>& s, double t) {
  if (s.empty() || t < s.front().t || t > s.back().t) return 0;
  auto it = std::upper_bound(s.begin(), s.end(), t,
                             [](double v, const SeriesPoint& p) { return v < p.t; });
  return std::prev(it)->bytes;
}

PeakMark peakMark(double t, std::uint64_t bytes, std::string site, const char* what) {
  PeakMark m{t, bytes, std::move(site), {}};
  m.label = std::string(what) + " " + present::humanBytes(bytes) + " at " + seconds(t);
  if (!m.site.empty()) m.label += "\n" + m.site;
  return m;
}

}  // namespace

std::vector<SeriesPoint> heapSeries(const model::Report& report, double offsetS) {
  std::vector<SeriesPoint> out;
  out.reserve(report.timeline.size());
  for (const auto& p : report.timeline) {
    if (!out.empty() && out.back().t == p.t + offsetS) out.back().bytes = p.heapBytes;
    // A step series needs a point only where it changes (and at its end, below).
    else if (out.empty() || out.back().bytes != p.heapBytes)
      out.push_back({p.t + offsetS, p.heapBytes});
  }
  if (!report.timeline.empty() && out.back().t != report.timeline.back().t + offsetS) {
    out.push_back({report.timeline.back().t + offsetS, report.timeline.back().heapBytes});
  }
  return out;
}

std::vector<SeriesPoint> rssSeries(const model::Report& report, double offsetS) {
  std::vector<SeriesPoint> out;
  std::uint64_t last = 0;
  for (const auto& p : report.timeline) {
    if (p.rssBytes == 0 && out.empty()) continue;  // no RSS sample yet: unknown, not zero
    if (!out.empty() && p.rssBytes == last && &p != &report.timeline.back()) continue;
    out.push_back({p.t + offsetS, p.rssBytes});
    last = p.rssBytes;
  }
  return out;
}

std::string topPeakSite(const model::Report& report) {
  const model::LineEntry* best = nullptr;
  for (const auto& l : report.lines) {
    if (l.self.peakBytes > 0 && (best == nullptr || l.self.peakBytes > best->self.peakBytes))
      best = &l;
  }
  if (best == nullptr) return {};
  return (best->function.empty() ? "??" : best->function) + " (" + baseName(best->file) + ":" +
         std::to_string(best->line) + ")";
}

std::vector<double> startOffsets(const std::vector<const model::Report*>& reports) {
  std::uint64_t start = ~std::uint64_t{0};
  for (const auto* r : reports) {
    if (r->program.startRealtimeUs != 0) start = std::min(start, r->program.startRealtimeUs);
  }
  std::vector<double> offsets;
  for (const auto* r : reports) {
    const auto s = r->program.startRealtimeUs;
    offsets.push_back(s != 0 && s >= start ? static_cast<double>(s - start) / 1e6 : 0.0);
  }
  return offsets;
}

Figure buildFigure(const std::vector<const model::Report*>& reports, const FigureOptions& options) {
  Figure fig;
  if (reports.empty()) return fig;
  const std::size_t columns = std::max<std::size_t>(options.columns, 16);
  const std::vector<double> offsets = startOffsets(reports);
  for (std::size_t i = 0; i < reports.size(); ++i) {
    fig.durationS = std::max(fig.durationS, offsets[i] + reports[i]->totals.durationS);
    fig.logs.push_back(reports[i]->logPath);
  }
  fig.title = commandLine(reports.front()->program);

  if (reports.size() == 1) {
    const model::Report& r = *reports.front();
    fig.lines.push_back(
        {"heap", SeriesKind::Heap, r.program.pid, downsample(heapSeries(r, 0), columns)});
    fig.lines.push_back(
        {"RSS", SeriesKind::Rss, r.program.pid, downsample(rssSeries(r, 0), columns)});
    if (r.totals.allocations > 0) {
      fig.heapPeak =
          peakMark(r.totals.peakTimeS, r.totals.peakHeapBytes, topPeakSite(r), "heap peak");
    }
    if (r.totals.peakRssBytes > 0) {
      fig.rssPeak = peakMark(r.totals.peakRssTimeS, r.totals.peakRssBytes, "", "RSS peak");
    }
    return fig;
  }

  fig.title += "  (" + std::to_string(reports.size()) + " processes)";
  std::vector<std::vector<SeriesPoint>> heaps, rsses;
  for (std::size_t i = 0; i < reports.size(); ++i) {
    heaps.push_back(heapSeries(*reports[i], offsets[i]));
    rsses.push_back(rssSeries(*reports[i], offsets[i]));
  }
  std::vector<const std::vector<SeriesPoint>*> heapParts, rssParts;
  for (std::size_t i = 0; i < reports.size(); ++i) {
    heapParts.push_back(&heaps[i]);
    rssParts.push_back(&rsses[i]);
  }
  const auto totalHeap = sumSeries(heapParts);
  const auto totalRss = sumSeries(rssParts);
  for (std::size_t i = 0; i < reports.size(); ++i) {
    const auto& p = reports[i]->program;
    const std::string name = "heap " + std::to_string(p.pid) + " " +
                             baseName(p.command.empty() ? p.executable : p.command.front());
    fig.lines.push_back({name, SeriesKind::Heap, p.pid, downsample(heaps[i], columns)});
  }
  fig.lines.push_back({"total heap", SeriesKind::TotalHeap, 0, downsample(totalHeap, columns)});
  fig.lines.push_back({"total RSS", SeriesKind::TotalRss, 0, downsample(totalRss, columns)});

  if (const std::size_t at = peakIndex(totalHeap);
      at < totalHeap.size() && totalHeap[at].bytes > 0) {
    // Name the line of the process that held the most at the moment of the total's peak.
    std::size_t owner = 0;
    std::uint64_t most = 0;
    for (std::size_t i = 0; i < heaps.size(); ++i) {
      if (const auto v = valueAt(heaps[i], totalHeap[at].t); v > most) {
        most = v;
        owner = i;
      }
    }
    fig.heapPeak = peakMark(totalHeap[at].t, totalHeap[at].bytes, topPeakSite(*reports[owner]),
                            "total heap peak");
  }
  if (const std::size_t at = peakIndex(totalRss); at < totalRss.size() && totalRss[at].bytes > 0) {
    fig.rssPeak = peakMark(totalRss[at].t, totalRss[at].bytes, "", "total RSS peak");
  }
  return fig;
}

}  // namespace memprof::plot
