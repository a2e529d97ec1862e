#include "tessera/report/svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "tessera/report/html.h"

namespace tessera::report::svg {

std::string num(double value) {
  if (!std::isfinite(value)) return "0";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f", value);
  std::string out = buffer;
  out.erase(out.find_last_not_of('0') + 1);
  if (out.back() == '.') out.pop_back();
  if (out == "-0") out = "0";
  return out;
}

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) return {};
  if (lo > hi) std::swap(lo, hi);
  if (lo == hi) return {lo};
  // Of the 1, 2, 5 x 10^k steps near the raw one, the one giving closest to `target` intervals.
  target = std::max(target, 1);
  const double raw = (hi - lo) / target;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (const double factor : {1.0, 2.0, 5.0, 10.0}) {
    const double candidate = factor * magnitude;
    if (std::abs((hi - lo) / candidate - target) < std::abs((hi - lo) / step - target)) step = candidate;
  }
  std::vector<double> ticks;
  const double first = std::ceil(lo / step - 1e-9);
  for (int i = 0; i <= 100; ++i) {
    const double t = (first + i) * step;  // multiplied, not summed, so no error builds up
    if (t > hi + step * 1e-9) break;
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);  // no "-0" from rounding
  }
  return ticks;
}

std::string tick_label(double value, double step) {
  char buffer[32];
  const double magnitude = std::max(std::abs(value), std::abs(step));
  if (magnitude != 0.0 && (magnitude >= 1e6 || (step != 0.0 && std::abs(step) < 1e-4))) {
    std::snprintf(buffer, sizeof buffer, "%.2g", value);
    return buffer;
  }
  int decimals = 0;
  if (step > 0) decimals = std::clamp(static_cast<int>(std::ceil(-std::log10(step) - 1e-9)), 0, 6);
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  std::string out = buffer;
  if (out.find_first_not_of("-0.") == std::string::npos) out = decimals > 0 ? out.substr(out[0] == '-') : "0";
  return out;
}

std::pair<double, double> padded_range(const std::vector<double>& values, double pad) {
  double lo = INFINITY, hi = -INFINITY;
  for (const double v : values) {
    if (!std::isfinite(v)) continue;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  if (lo > hi) return {0.0, 1.0};
  if (hi - lo < 1e-12) {
    const double half = std::max(std::abs(lo) * 0.05, 1e-3);
    return {lo - half, hi + half};
  }
  const double margin = (hi - lo) * pad;
  return {lo - margin, hi + margin};
}

double text_width(std::string_view text, double size) {
  std::size_t chars = 0;
  for (const char c : text) chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80;  // code points
  return static_cast<double>(chars) * size * 0.6;
}

const std::vector<std::string>& palette() {
  static const std::vector<std::string> colors = {"#2563eb", "#ea580c", "#16a34a", "#9333ea",
                                                  "#dc2626", "#0891b2", "#ca8a04", "#db2777"};
  return colors;
}

namespace {

std::string attribute(std::string_view name, std::string_view value) {
  return " " + std::string(name) + "=\"" + escape_html(value) + "\"";
}

std::string title_element(std::string_view tooltip) {
  return tooltip.empty() ? std::string() : "<title>" + escape_html(tooltip) + "</title>";
}

}  // namespace

Canvas::Canvas(double width, double height, std::string_view label)
    : width_(width), height_(height), label_(label) {}

void Canvas::line(double x1, double y1, double x2, double y2, std::string_view stroke, double stroke_width,
                  std::string_view dash) {
  body_ += "<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" + num(y2) + "\"" +
           attribute("stroke", stroke) + " stroke-width=\"" + num(stroke_width) + "\"" +
           (dash.empty() ? std::string() : attribute("stroke-dasharray", dash)) + "/>";
}

void Canvas::polyline(const std::vector<std::pair<double, double>>& points, std::string_view stroke,
                      double stroke_width, std::string_view dash) {
  std::string run;
  std::size_t run_points = 0;
  const auto flush = [&] {
    if (run_points >= 2) {
      body_ += "<polyline fill=\"none\" points=\"" + run + "\"" + attribute("stroke", stroke) + " stroke-width=\"" +
               num(stroke_width) + "\" stroke-linejoin=\"round\"" +
               (dash.empty() ? std::string() : attribute("stroke-dasharray", dash)) + "/>";
    }
    run.clear();
    run_points = 0;
  };
  for (const auto& [x, y] : points) {
    if (!std::isfinite(x) || !std::isfinite(y)) {
      flush();
      continue;
    }
    if (run_points > 0) run += ' ';
    run += num(x) + "," + num(y);
    ++run_points;
  }
  flush();
}

void Canvas::rect(double x, double y, double w, double h, std::string_view fill, std::string_view tooltip,
                  std::string_view extra_attributes) {
  body_ += "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(std::max(w, 0.0)) + "\" height=\"" +
           num(std::max(h, 0.0)) + "\"" + attribute("fill", fill) +
           (extra_attributes.empty() ? std::string() : " " + std::string(extra_attributes));
  body_ += tooltip.empty() ? "/>" : ">" + title_element(tooltip) + "</rect>";
}

void Canvas::circle(double cx, double cy, double r, std::string_view fill, std::string_view stroke,
                    std::string_view tooltip) {
  body_ += "<circle cx=\"" + num(cx) + "\" cy=\"" + num(cy) + "\" r=\"" + num(r) + "\"" + attribute("fill", fill) +
           (stroke.empty() ? std::string() : attribute("stroke", stroke) + " stroke-width=\"1.5\"");
  body_ += tooltip.empty() ? "/>" : ">" + title_element(tooltip) + "</circle>";
}

void Canvas::text(double x, double y, std::string_view text, Anchor anchor, double size, std::string_view fill,
                  double rotate, bool bold, std::string_view tooltip) {
  static constexpr const char* anchors[] = {"start", "middle", "end"};
  body_ += "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" text-anchor=\"" + anchors[static_cast<int>(anchor)] +
           "\" font-size=\"" + num(size) + "\"" + attribute("fill", fill);
  if (rotate != 0.0) body_ += " transform=\"rotate(" + num(rotate) + " " + num(x) + " " + num(y) + ")\"";
  if (bold) body_ += " font-weight=\"600\"";
  body_ += ">" + title_element(tooltip) + escape_html(text) + "</text>";
}

namespace {

constexpr double kLegendRow = 16, kLegendSwatch = 18, kLegendGap = 14;

// Where each legend entry goes: (x offset, row) from the legend's origin.
std::vector<std::pair<double, int>> legend_layout(const std::vector<Canvas::LegendEntry>& entries, double max_width) {
  std::vector<std::pair<double, int>> places;
  double cx = 0;
  int row = 0;
  for (const auto& entry : entries) {
    const double w = kLegendSwatch + 5 + text_width(entry.label) + kLegendGap;
    if (cx > 0 && cx + w - kLegendGap > max_width) {
      cx = 0;
      ++row;
    }
    places.emplace_back(cx, row);
    cx += w;
  }
  return places;
}

}  // namespace

double Canvas::legend_height(const std::vector<LegendEntry>& entries, double max_width) {
  if (entries.empty()) return 0;
  return (legend_layout(entries, max_width).back().second + 1) * kLegendRow;
}

double Canvas::legend(double x, double y, const std::vector<LegendEntry>& entries, double max_width) {
  const auto places = legend_layout(entries, max_width);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& entry = entries[i];
    const double cx = x + places[i].first, cy = y + places[i].second * kLegendRow;
    if (entry.box) {
      rect(cx + 4, cy - 9, 10, 10, entry.color);
    } else if (entry.dot) {
      circle(cx + 9, cy - 4, 5.5, "#ffffff", entry.color);
      circle(cx + 9, cy - 4, 2, entry.color);
    } else {
      line(cx, cy - 4, cx + kLegendSwatch, cy - 4, entry.color, 2.5, entry.dashed ? "5 3" : "");
    }
    text(cx + kLegendSwatch + 5, cy, entry.label);
  }
  return legend_height(entries, max_width);
}

std::string Canvas::str() const {
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(width_) + "\" height=\"" + num(height_) +
         "\" viewBox=\"0 0 " + num(width_) + " " + num(height_) + "\" role=\"img\"" + attribute("aria-label", label_) +
         ">" + body_ + "</svg>";
}

Plot::Plot(double width, double height, std::pair<double, double> x_range, std::pair<double, double> y_range,
           Margins margins, std::string_view label)
    : canvas_(width, height, label), x_range_(x_range), y_range_(y_range), margins_(margins) {
  for (auto* range : {&x_range_, &y_range_}) {
    if (!std::isfinite(range->first) || !std::isfinite(range->second) || range->second <= range->first) {
      *range = padded_range({range->first, range->second});
    }
  }
}

double Plot::x(double value) const {
  return left() + (value - x_range_.first) / (x_range_.second - x_range_.first) * (right() - left());
}

double Plot::y(double value) const {
  return bottom() - (value - y_range_.first) / (y_range_.second - y_range_.first) * (bottom() - top());
}

void Plot::axes(std::string_view x_label, std::string_view y_label, int x_ticks, int y_ticks, bool integer_x) {
  constexpr const char* grid = "#e5e7eb";
  constexpr const char* ink = "#6b7280";
  auto xt = nice_ticks(x_range_.first, x_range_.second, x_ticks);
  if (integer_x) std::erase_if(xt, [](double t) { return t != std::round(t); });
  const auto yt = nice_ticks(y_range_.first, y_range_.second, y_ticks);
  const double x_step = xt.size() > 1 ? xt[1] - xt[0] : (integer_x ? 1.0 : 0.0);
  const double y_step = yt.size() > 1 ? yt[1] - yt[0] : 0.0;
  for (const double t : yt) {
    canvas_.line(left(), y(t), right(), y(t), grid);
    canvas_.text(left() - 6, y(t) + 4, tick_label(t, y_step), Anchor::end, 11, ink);
  }
  for (const double t : xt) {
    canvas_.line(x(t), top(), x(t), bottom(), grid);
    canvas_.text(x(t), bottom() + 16, tick_label(t, x_step), Anchor::middle, 11, ink);
  }
  canvas_.line(left(), bottom(), right(), bottom(), ink);
  canvas_.line(left(), top(), left(), bottom(), ink);
  if (!x_label.empty()) canvas_.text((left() + right()) / 2, bottom() + 36, x_label, Anchor::middle, 12, "#111827");
  if (!y_label.empty()) {
    canvas_.text(14, (top() + bottom()) / 2, y_label, Anchor::middle, 12, "#111827", -90);
  }
}

void Plot::series(const std::vector<double>& xs, const std::vector<double>& ys, std::string_view color,
                  double stroke_width, std::string_view dash) {
  std::vector<std::pair<double, double>> points;
  const std::size_t n = std::min(xs.size(), ys.size());
  points.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    points.emplace_back(std::isfinite(xs[i]) ? x(xs[i]) : NAN, std::isfinite(ys[i]) ? y(ys[i]) : NAN);
  }
  canvas_.polyline(points, color, stroke_width, dash);
}

}  // namespace tessera::report::svg
