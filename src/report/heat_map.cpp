// The confusion matrix as a heat map. Colour encodes the share of each true class's samples
// (row-normalised, so a rare class reads as clearly as a common one), text the raw count.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include "tessera/core/format.h"
#include "tessera/report/charts.h"
#include "tessera/report/html.h"
#include "tessera/report/svg.h"

namespace tessera::report::charts {
namespace {

// ColorBrewer's "Blues", interpolated linearly in RGB; t in [0, 1].
std::string blues(double t) {
  static constexpr std::array<std::array<double, 3>, 5> stops = {
      {{247, 251, 255}, {198, 219, 239}, {107, 174, 214}, {33, 113, 181}, {8, 48, 107}}};
  t = std::clamp(std::isfinite(t) ? t : 0.0, 0.0, 1.0) * (stops.size() - 1);
  const std::size_t i = std::min<std::size_t>(static_cast<std::size_t>(t), stops.size() - 2);
  const double f = t - static_cast<double>(i);
  char hex[8];
  std::snprintf(hex, sizeof hex, "#%02x%02x%02x", static_cast<int>(std::lround(stops[i][0] + f * (stops[i + 1][0] - stops[i][0]))),
                static_cast<int>(std::lround(stops[i][1] + f * (stops[i + 1][1] - stops[i][1]))),
                static_cast<int>(std::lround(stops[i][2] + f * (stops[i + 1][2] - stops[i][2]))));
  return hex;
}

std::string count_text(double count) { return printed("%.0f", count); }

}  // namespace

std::string heat_map(const HeatMap& map) {
  const std::size_t n = map.labels.size();
  const double cell = std::clamp(560.0 / static_cast<double>(std::max<std::size_t>(n, 1)), 5.0, 90.0);
  const bool names = n <= 30;
  std::vector<std::string> short_names;
  double name_width = 0;
  for (const auto& label : map.labels) {
    short_names.push_back(shorten(label, 22));
    name_width = std::max(name_width, svg::text_width(short_names.back()));
  }
  if (!names) name_width = svg::text_width("100");
  // Column names are set at -45 degrees below the matrix, so they take width/sqrt(2) of height.
  const double left = 30 + name_width + 8;
  const double top = 12;
  const double grid = cell * static_cast<double>(n);
  const double column_labels = names ? name_width * 0.71 + 14 : 22;
  const double bottom = column_labels + 26;
  const double colorbar_x = left + grid + 18;
  const double width = std::max(colorbar_x + 76, 320.0);
  const double height = top + std::max(grid, 160.0) + bottom;
  svg::Canvas canvas(width, height, map.label);

  // Zero cells share the lightest colour: one background rect instead of n^2 cells.
  canvas.rect(left, top, grid, grid, blues(0), "", "stroke=\"#d1d5db\"");
  for (std::size_t t = 0; t < n; ++t) {
    double row_total = 0;
    const auto& row = t < map.counts.size() ? map.counts[t] : std::vector<double>{};
    for (const double c : row) row_total += std::isfinite(c) ? c : 0.0;
    for (std::size_t p = 0; p < n; ++p) {
      const double count = p < row.size() && std::isfinite(row[p]) ? row[p] : 0.0;
      const double share = row_total > 0 ? count / row_total : 0.0;
      const double x = left + static_cast<double>(p) * cell, y = top + static_cast<double>(t) * cell;
      if (count > 0) {
        char share_text[32];
        std::snprintf(share_text, sizeof share_text, "%.1f%%", 100.0 * share);
        canvas.rect(x, y, cell, cell, blues(share),
                    "true: " + map.labels[t] + "\npredicted: " + map.labels[p] + "\n" + count_text(count) + " (" +
                        share_text + " of the true class)");
      }
      // The count, in a size that fits the cell; zeros in light grey so the diagonal stands out.
      const std::string text = count_text(count);
      const double size = std::min(13.0, 0.85 * cell / (0.6 * static_cast<double>(text.size()) + 0.3));
      if (size >= 6.5 && cell >= 12) {
        const char* ink = count == 0 ? "#b6c2d1" : share > 0.5 ? "#ffffff" : "#1f2937";
        canvas.text(x + cell / 2, y + cell / 2 + size * 0.36, text, svg::Anchor::middle, size, ink, 0, p == t && count > 0);
      }
    }
  }
  if (n > 0 && names) {
    for (std::size_t i = 0; i < n; ++i) {
      const double c = static_cast<double>(i) * cell + cell / 2;
      const std::string tip = short_names[i] == map.labels[i] ? "" : map.labels[i];
      canvas.text(left - 6, top + c + 4, short_names[i], svg::Anchor::end, 11, "#374151", 0, false, tip);
      canvas.text(left + c + 3, top + grid + 10, short_names[i], svg::Anchor::end, 11, "#374151", -45, false, tip);
    }
  } else if (n > 0) {
    // Too many classes for names: class indices every few rows, names in the cells' tooltips.
    const auto ticks = svg::nice_ticks(0, static_cast<double>(n - 1), 8);
    for (const double t : ticks) {
      if (t != std::round(t)) continue;
      const double c = t * cell + cell / 2;
      const std::string label = count_text(t);
      canvas.line(left - 3, top + c, left, top + c, "#6b7280");
      canvas.text(left - 6, top + c + 4, label, svg::Anchor::end, 10, "#6b7280");
      canvas.line(left + c, top + grid, left + c, top + grid + 3, "#6b7280");
      canvas.text(left + c, top + grid + 15, label, svg::Anchor::middle, 10, "#6b7280");
    }
  }
  canvas.text(12, top + grid / 2, names ? "true class" : "true class (index)", svg::Anchor::middle, 12, "#111827", -90);
  canvas.text(left + grid / 2, top + grid + column_labels + 16, names ? "predicted class" : "predicted class (index)",
              svg::Anchor::middle, 12, "#111827");

  // Colour bar: the share of the true class, 0 to 100%.
  constexpr int steps = 20;
  const double bar_height = std::max(grid, 160.0);
  for (int s = 0; s < steps; ++s) {
    const double share = 1.0 - (s + 0.5) / steps;
    canvas.rect(colorbar_x, top + s * bar_height / steps, 12, bar_height / steps + 0.5, blues(share));
  }
  for (const double t : {0.0, 0.25, 0.5, 0.75, 1.0}) {
    canvas.text(colorbar_x + 16, top + (1 - t) * bar_height + 4, count_text(100 * t) + "%", svg::Anchor::start, 10,
                "#6b7280");
  }
  canvas.text(colorbar_x + 66, top + bar_height / 2, "share of the true class", svg::Anchor::middle, 11, "#374151", -90);
  return canvas.str();
}

}  // namespace tessera::report::charts
