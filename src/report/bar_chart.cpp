// Horizontal grouped bars: one row per category (class), one bar per group (precision, recall,
// F1), so long class names read horizontally and a hundred classes still fit one column.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "tessera/report/charts.h"
#include "tessera/report/html.h"
#include "tessera/report/svg.h"

namespace tessera::report::charts {

std::string horizontal_bar_chart(const BarChart& chart) {
  const std::size_t n = chart.categories.size();
  const std::size_t groups = std::max<std::size_t>(chart.groups.size(), 1);
  const double bar = n <= 12 ? 10.0 : n <= 30 ? 7.0 : 4.0;
  const double gap = n <= 30 ? 10.0 : 4.0;
  const double row = static_cast<double>(groups) * bar + gap;
  const double label_size = row < 14 ? 9.5 : 11.0;
  const bool value_labels = chart.value_labels && bar >= 7.0;

  std::vector<std::string> names;
  double label_width = 0;
  for (const auto& c : chart.categories) {
    names.push_back(shorten(c, 28));
    label_width = std::max(label_width, svg::text_width(names.back(), label_size));
  }
  std::vector<svg::Canvas::LegendEntry> legend;
  const auto& colors = svg::palette();
  std::vector<std::string> group_colors;
  for (std::size_t g = 0; g < chart.groups.size(); ++g) {
    group_colors.push_back(chart.groups[g].color.empty() ? colors[g % colors.size()] : chart.groups[g].color);
    if (chart.groups.size() > 1) legend.push_back({chart.groups[g].name, group_colors.back(), false, true});
  }

  svg::Margins margins;
  margins.left = std::min(label_width, 190.0) + 14;
  margins.right = value_labels ? 44 : 20;
  const double legend_width = chart.width - margins.left - margins.right;
  margins.top = legend.empty() ? 8 : 14 + svg::Canvas::legend_height(legend, legend_width) + 4;
  margins.bottom = chart.x_label.empty() ? 26 : 44;
  const double height = margins.top + static_cast<double>(n) * row + margins.bottom;
  // The y scale is the row index: row i spans [i, i + 1) from the top.
  svg::Plot plot(chart.width, height, chart.range, {0.0, static_cast<double>(std::max<std::size_t>(n, 1))}, margins,
                 chart.label);
  auto& canvas = plot.canvas();
  canvas.legend(margins.left, 14, legend, legend_width);

  const auto ticks = svg::nice_ticks(chart.range.first, chart.range.second, 6);
  const double step = ticks.size() > 1 ? ticks[1] - ticks[0] : 0.0;
  for (const double t : ticks) {
    canvas.line(plot.x(t), plot.top(), plot.x(t), plot.bottom(), t == 0.0 ? "#6b7280" : "#e5e7eb");
    canvas.text(plot.x(t), plot.bottom() + 16, svg::tick_label(t, step), svg::Anchor::middle, 11, "#6b7280");
  }
  canvas.line(plot.left(), plot.bottom(), plot.right(), plot.bottom(), "#6b7280");
  if (!chart.x_label.empty()) {
    canvas.text((plot.left() + plot.right()) / 2, plot.bottom() + 36, chart.x_label, svg::Anchor::middle, 12, "#111827");
  }

  const double zero = plot.x(std::clamp(0.0, chart.range.first, chart.range.second));
  for (std::size_t i = 0; i < n; ++i) {
    const double top = plot.top() + static_cast<double>(i) * row + gap / 2;
    canvas.text(plot.left() - 8, top + (row - gap) / 2 + label_size * 0.35, names[i], svg::Anchor::end, label_size,
                "#374151", 0, false, names[i] == chart.categories[i] ? "" : chart.categories[i]);
    for (std::size_t g = 0; g < chart.groups.size(); ++g) {
      const auto& values = chart.groups[g].values;
      if (i >= values.size() || !std::isfinite(values[i])) continue;
      const double v = std::clamp(values[i], chart.range.first, chart.range.second);
      const double end = plot.x(v);
      const double y = top + static_cast<double>(g) * bar;
      char number[32];
      std::snprintf(number, sizeof number, "%.3f", values[i]);
      canvas.rect(std::min(zero, end), y, std::abs(end - zero), bar - 1, group_colors[g],
                  chart.categories[i] + " - " + chart.groups[g].name + ": " + number);
      if (value_labels) {
        const bool negative = values[i] < 0;
        canvas.text(negative ? std::min(zero, end) - 3 : std::max(zero, end) + 3, y + bar - 2, number,
                    negative ? svg::Anchor::end : svg::Anchor::start, 9, "#4b5563");
      }
    }
  }
  return plot.str();
}

}  // namespace tessera::report::charts
