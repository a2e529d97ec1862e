// The reliability diagram: how often the model is right at each level of confidence. A
// calibrated model's bars touch the diagonal; the shaded gap is the bin's share of the ECE.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "tessera/report/charts.h"
#include "tessera/report/svg.h"

namespace tessera::report::charts {

std::string reliability_diagram(const std::vector<ReliabilityBin>& bins) {
  const std::vector<svg::Canvas::LegendEntry> legend = {{"accuracy in the bin", "#2563eb", false, true},
                                                        {"mean confidence in the bin", "#b91c1c", false, false},
                                                        {"gap", "#fca5a5", false, true},
                                                        {"perfect calibration", "#9ca3af", true, false}};
  constexpr double width = 520, histogram = 90;
  svg::Margins margins;
  margins.top = 14 + svg::Canvas::legend_height(legend, width - margins.left - margins.right);
  margins.bottom = 30 + histogram + 46;
  svg::Plot plot(width, margins.top + 300 + margins.bottom, {0.0, 1.0}, {0.0, 1.0}, margins, "reliability diagram");
  plot.axes("", "accuracy");
  auto& canvas = plot.canvas();
  canvas.legend(margins.left, 14, legend, width - margins.left - margins.right);
  plot.series({0.0, 1.0}, {0.0, 1.0}, "#9ca3af", 1.5, "5 4");

  std::int64_t max_count = 0;
  for (const auto& bin : bins) max_count = std::max(max_count, bin.count);
  const double hist_top = plot.bottom() + 30, hist_bottom = hist_top + histogram;
  for (const auto& bin : bins) {
    const double x0 = plot.x(std::clamp(bin.lower, 0.0, 1.0)), x1 = plot.x(std::clamp(bin.upper, 0.0, 1.0));
    char tip[160];
    std::snprintf(tip, sizeof tip, "confidence %.3f-%.3f: %lld samples", bin.lower, bin.upper,
                  static_cast<long long>(bin.count));
    std::string tooltip = tip;
    if (bin.accuracy && bin.confidence) {
      std::snprintf(tip, sizeof tip, ", accuracy %.3f, mean confidence %.3f", *bin.accuracy, *bin.confidence);
      tooltip += tip;
    }
    if (bin.count > 0 && bin.accuracy) {
      const double acc = std::clamp(*bin.accuracy, 0.0, 1.0);
      canvas.rect(x0, plot.y(acc), x1 - x0, plot.y(0) - plot.y(acc), "#2563eb", tooltip,
                  "fill-opacity=\"0.85\" stroke=\"#ffffff\"");
      if (bin.confidence) {
        // The gap between accuracy and mean confidence, then the confidence itself as a tick.
        const double conf = std::clamp(*bin.confidence, 0.0, 1.0);
        const double hi = plot.y(std::max(acc, conf)), lo = plot.y(std::min(acc, conf));
        canvas.rect(x0 + 1, hi, x1 - x0 - 2, lo - hi, "#fca5a5", tooltip, "fill-opacity=\"0.75\"");
        canvas.line(x0 + 1, plot.y(conf), x1 - 1, plot.y(conf), "#b91c1c", 2.5);
      }
    }
    // The histogram of counts below, with the number on each bar when it fits.
    if (max_count > 0 && bin.count > 0) {
      const double h = histogram * static_cast<double>(bin.count) / static_cast<double>(max_count);
      canvas.rect(x0, hist_bottom - h, x1 - x0, h, "#94a3b8", tooltip, "stroke=\"#ffffff\"");
    }
    const std::string count = std::to_string(bin.count);
    if (svg::text_width(count, 9) <= x1 - x0 + 2) {
      const double h = max_count > 0 ? histogram * static_cast<double>(bin.count) / static_cast<double>(max_count) : 0;
      canvas.text((x0 + x1) / 2, std::min(hist_bottom - h - 3, hist_bottom - 3), count, svg::Anchor::middle, 9,
                  "#374151");
    }
  }
  canvas.line(plot.left(), hist_bottom, plot.right(), hist_bottom, "#6b7280");
  canvas.text(14, (hist_top + hist_bottom) / 2, "samples", svg::Anchor::middle, 12, "#111827", -90);
  for (const double t : svg::nice_ticks(0, 1, 5)) {
    canvas.text(plot.x(t), hist_bottom + 16, svg::tick_label(t, 0.2), svg::Anchor::middle, 11, "#6b7280");
  }
  canvas.text((plot.left() + plot.right()) / 2, hist_bottom + 36, "confidence (probability of the predicted class)",
              svg::Anchor::middle, 12, "#111827");
  return plot.str();
}

}  // namespace tessera::report::charts
