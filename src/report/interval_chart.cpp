// Point estimates with confidence whiskers on one axis (compare: the accuracy difference B - A
// and its bootstrap interval, against the zero line of "no difference").
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "tessera/report/charts.h"
#include "tessera/report/html.h"
#include "tessera/report/svg.h"

namespace tessera::report::charts {

std::string interval_chart(const std::string& label, const std::vector<Interval>& rows, const std::string& x_label,
                           double reference, double width) {
  std::vector<double> values = {reference};
  double name_width = 0;
  for (const auto& r : rows) {
    values.insert(values.end(), {r.value, r.low, r.high});
    name_width = std::max(name_width, svg::text_width(shorten(r.name, 32)));
  }
  constexpr double row = 34;
  svg::Margins margins;
  margins.left = std::min(name_width, 240.0) + 16;
  margins.right = 24;
  margins.top = 10;
  margins.bottom = 44;
  const double height = margins.top + row * static_cast<double>(std::max<std::size_t>(rows.size(), 1)) + margins.bottom;
  svg::Plot plot(width, height, svg::padded_range(values, 0.12), {0.0, static_cast<double>(rows.size())}, margins, label);
  auto& canvas = plot.canvas();
  const auto ticks = svg::nice_ticks(plot.x_range().first, plot.x_range().second, 6);
  const double step = ticks.size() > 1 ? ticks[1] - ticks[0] : 0.0;
  for (const double t : ticks) {
    canvas.line(plot.x(t), plot.top(), plot.x(t), plot.bottom(), "#e5e7eb");
    canvas.text(plot.x(t), plot.bottom() + 16, svg::tick_label(t, step), svg::Anchor::middle, 11, "#6b7280");
  }
  canvas.line(plot.left(), plot.bottom(), plot.right(), plot.bottom(), "#6b7280");
  canvas.line(plot.x(reference), plot.top(), plot.x(reference), plot.bottom(), "#6b7280", 1.5, "5 4");
  canvas.text((plot.left() + plot.right()) / 2, plot.bottom() + 36, x_label, svg::Anchor::middle, 12, "#111827");
  const auto& colors = svg::palette();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    const std::string color = r.color.empty() ? colors[i % colors.size()] : r.color;
    const double cy = plot.top() + row * (static_cast<double>(i) + 0.5);
    char tip[96];
    std::snprintf(tip, sizeof tip, "%.4f [%.4f, %.4f]", r.value, r.low, r.high);
    canvas.text(plot.left() - 8, cy + 4, shorten(r.name, 32), svg::Anchor::end, 11, "#374151", 0, false, r.name);
    canvas.line(plot.x(r.low), cy, plot.x(r.high), cy, color, 2);
    canvas.line(plot.x(r.low), cy - 7, plot.x(r.low), cy + 7, color, 2);
    canvas.line(plot.x(r.high), cy - 7, plot.x(r.high), cy + 7, color, 2);
    canvas.circle(plot.x(r.value), cy, 5, color, "#ffffff", r.name + ": " + tip);
    canvas.text(plot.x(r.value), cy - 10, tip, svg::Anchor::middle, 10, "#374151");
  }
  return plot.str();
}

}  // namespace tessera::report::charts
