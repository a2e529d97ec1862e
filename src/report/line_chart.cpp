// Line charts: training curves, ROC and precision-recall curves with marked operating points.
#include <algorithm>
#include <cmath>

#include "tessera/report/charts.h"
#include "tessera/report/svg.h"

namespace tessera::report::charts {

std::string line_chart(const LineChart& chart) {
  const auto& colors = svg::palette();
  std::vector<std::string> series_colors;
  std::vector<svg::Canvas::LegendEntry> legend;
  std::vector<double> all_x, all_y;
  for (std::size_t i = 0; i < chart.series.size(); ++i) {
    const auto& s = chart.series[i];
    series_colors.push_back(s.color.empty() ? colors[i % colors.size()] : s.color);
    legend.push_back({s.name, series_colors.back(), s.dashed, false});
    all_x.insert(all_x.end(), s.x.begin(), s.x.end());
    all_y.insert(all_y.end(), s.y.begin(), s.y.end());
  }
  for (const auto& p : chart.points) {
    all_x.push_back(p.x);
    all_y.push_back(p.y);
  }
  if (chart.baseline) all_y.push_back(*chart.baseline);
  if ((chart.diagonal || chart.baseline) && !chart.reference_label.empty()) {
    legend.push_back({chart.reference_label, "#9ca3af", true, false});
  }
  for (const auto& p : chart.points) legend.push_back({p.label, p.color, false, false, true});

  auto x_range = chart.x_range.value_or(svg::padded_range(all_x, 0.0));
  if (chart.integer_x && !chart.x_range && x_range.second - x_range.first < 1.0) {
    x_range = {std::floor(x_range.first) - 0.5, std::floor(x_range.first) + 0.5};  // a single epoch
  }
  const auto y_range = chart.y_range.value_or(svg::padded_range(all_y, 0.08));
  svg::Margins margins;
  // Room for the widest y tick label ("0.0006") between the axis title and the axis.
  const auto y_ticks = svg::nice_ticks(y_range.first, y_range.second, 5);
  const double y_step = y_ticks.size() > 1 ? y_ticks[1] - y_ticks[0] : 0.0;
  double tick_width = 0;
  for (const double t : y_ticks) tick_width = std::max(tick_width, svg::text_width(svg::tick_label(t, y_step)));
  margins.left = std::max(margins.left, 30 + tick_width + 8);
  const double legend_width = chart.width - margins.left - margins.right;
  margins.top = 14 + svg::Canvas::legend_height(legend, legend_width);
  svg::Plot plot(chart.width, chart.height, x_range, y_range, margins, chart.label);
  plot.axes(chart.x_label, chart.y_label, 6, 5, chart.integer_x);
  auto& canvas = plot.canvas();
  canvas.legend(margins.left, 14, legend, legend_width);

  if (chart.diagonal) {
    const double lo = std::max(x_range.first, y_range.first), hi = std::min(x_range.second, y_range.second);
    if (hi > lo) plot.series({lo, hi}, {lo, hi}, "#9ca3af", 1.5, "5 4");
  }
  if (chart.baseline) plot.series({x_range.first, x_range.second}, {*chart.baseline, *chart.baseline}, "#9ca3af", 1.5, "5 4");

  for (std::size_t i = 0; i < chart.series.size(); ++i) {
    const auto& s = chart.series[i];
    plot.series(s.x, s.y, series_colors[i], 2.0, s.dashed ? "6 4" : "");
    // A series of one point (or with gaps) would be invisible as a line alone.
    std::size_t finite = 0;
    for (std::size_t k = 0; k < std::min(s.x.size(), s.y.size()); ++k) finite += std::isfinite(s.x[k]) && std::isfinite(s.y[k]);
    if (s.markers || finite == 1) {
      for (std::size_t k = 0; k < std::min(s.x.size(), s.y.size()); ++k) {
        if (std::isfinite(s.x[k]) && std::isfinite(s.y[k])) canvas.circle(plot.x(s.x[k]), plot.y(s.y[k]), 3, series_colors[i]);
      }
    }
  }
  for (const auto& p : chart.points) {
    if (!std::isfinite(p.x) || !std::isfinite(p.y)) continue;
    const double px = plot.x(p.x), py = plot.y(p.y);
    canvas.circle(px, py, 5.5, "#ffffff", p.color, p.label);
    canvas.circle(px, py, 2, p.color, "", p.label);
  }
  return plot.str();
}

}  // namespace tessera::report::charts
