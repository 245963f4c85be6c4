// SPDX-License-Identifier: MIT
/// @brief The passes over the logs behind one picture.
#include "memprof/plot/plot_pipeline.h"

#include <map>
#include <optional>
#include <stdexcept>

#include "memprof/plot/figure_builder.h"
#include "memprof/plot/function_spans.h"
#include "memprof/plot/loaded_log.h"
#include "memprof/plot/node_resolver.h"
#include "memprof/plot/site_selection.h"
#include "memprof/plot/site_timeline.h"
#include "memprof/plot/tee_sink.h"

namespace memprof::plot {

namespace {

constexpr std::size_t kMaxFunctionRows = 8;

/// Adds one process's spans to the figure's rows, joining rows of the same function.
void mergeSpans(std::vector<FunctionSpans>& into, std::vector<FunctionSpans> add) {
  for (auto& fn : add) {
    auto it = std::find_if(into.begin(), into.end(),
                           [&](const auto& f) { return f.function == fn.function; });
    if (it == into.end())
      into.push_back(std::move(fn));
    else
      it->spans.insert(it->spans.end(), fn.spans.begin(), fn.spans.end());
  }
}

}  // namespace

Figure preparePlot(const PlotRequest& request, std::ostream& warnings) {
  if (request.logs.empty()) throw std::invalid_argument("no log to plot");
  if (request.stackedSites > 0 && request.logs.size() > 1) {
    throw std::invalid_argument(
        "--stacked draws the sites of one process: give one LOG (without --children)");
  }
  symbolize::Symbolizer symbolizer;
  std::vector<LoadedLog> logs;
  for (const auto& path : request.logs) logs.push_back(loadLog(path, symbolizer, warnings));
  std::vector<const model::Report*> reports;
  for (const auto& l : logs) reports.push_back(&l.report);

  Figure figure = buildFigure(reports, FigureOptions{request.columns});
  if (request.stackedSites == 0 && !request.function) return figure;

  const std::vector<double> offsets = startOffsets(reports);
  for (std::size_t i = 0; i < logs.size(); ++i) {
    const aggregate::HeapReplay& replay = *logs[i].replay;
    NodeResolver resolver(replay.nodes(), replay.modules(), symbolizer);
    TeeSink tee;
    std::optional<SiteSelection> selection;
    std::optional<SiteTimeline> sites;
    if (request.stackedSites > 0) {
      selection = selectTopSites(replay, resolver, request.stackedSites);
      sites.emplace(selection->siteOfLeaf, selection->sites.size(), replay.endTimeUs(),
                    request.columns);
      tee.add(*sites);
    }
    std::optional<FunctionSpanCollector> spans;
    if (request.function) {
      const double hz = logs[i].report.totals.sampleHz;
      // Three sampling periods: consecutive samples of one call join into one span.
      const auto minBinUs = hz > 0 ? static_cast<std::uint64_t>(3e6 / hz) : 0;
      spans.emplace(resolver, *request.function, request.functionText, replay.endTimeUs(),
                    request.columns, minBinUs);
      tee.add(*spans);
    }
    rereadLog(request.logs[i], tee);
    if (sites) {
      std::vector<std::string> labels;
      for (const Site& s : selection->sites) labels.push_back(s.label());
      figure.stacked = sites->result(labels);
    }
    if (spans) mergeSpans(figure.functions, spans->result(kMaxFunctionRows, offsets[i]));
  }
  return figure;
}

}  // namespace memprof::plot
