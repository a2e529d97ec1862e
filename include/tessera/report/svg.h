#pragma once
// Inline SVG primitives for the HTML reports: a canvas that writes elements (every text
// escaped, every number finite), "nice" axis ticks, and a plot area with linear axes.
// The output of each Canvas is one well-formed XML element: the tests parse it as such.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tessera::report::svg {

// A coordinate or length for an attribute: at most two decimals, no trailing zeros, "0" for
// anything that is not finite (a NaN would make the element unrenderable).
std::string num(double value);

// Tick values 1, 2 or 5 x 10^k apart covering [lo, hi] (about `target` of them), inside it.
// lo == hi gives that one value.
std::vector<double> nice_ticks(double lo, double hi, int target = 5);
// A tick's label with as many decimals as the step between ticks needs ("0.25", "1000", "1e-05").
std::string tick_label(double value, double step);

// The range to plot finite `values` in: [min, max] widened by `pad` (a fraction) on both sides,
// widened to at least a small span around a single value; {0, 1} when there is none.
std::pair<double, double> padded_range(const std::vector<double>& values, double pad = 0.05);

enum class Anchor { start, middle, end };

class Canvas {
 public:
  // `label`: what the chart shows, for screen readers (role="img" aria-label).
  Canvas(double width, double height, std::string_view label);

  double width() const { return width_; }
  double height() const { return height_; }

  void line(double x1, double y1, double x2, double y2, std::string_view stroke, double stroke_width = 1.0,
            std::string_view dash = "");
  // Points as (x, y) pairs in pixels; non-finite points split the line.
  void polyline(const std::vector<std::pair<double, double>>& points, std::string_view stroke,
                double stroke_width = 2.0, std::string_view dash = "");
  // `tooltip` (plain text, escaped here) becomes a <title> child: the browser shows it on hover.
  void rect(double x, double y, double w, double h, std::string_view fill, std::string_view tooltip = "",
            std::string_view extra_attributes = "");
  void circle(double cx, double cy, double r, std::string_view fill, std::string_view stroke = "",
              std::string_view tooltip = "");
  // `text` is plain text (escaped here). rotate: degrees about (x, y).
  void text(double x, double y, std::string_view text, Anchor anchor = Anchor::start, double size = 11.0,
            std::string_view fill = "#374151", double rotate = 0.0, bool bold = false,
            std::string_view tooltip = "");
  // A legend row at (x, y): a swatch (line or box) and a label per entry; wraps at max_width.
  // Returns the height used.
  struct LegendEntry {
    std::string label;
    std::string color;
    bool dashed = false;
    bool box = false;  // a filled box instead of a line
    bool dot = false;  // a ringed dot, as operating points are marked
  };
  double legend(double x, double y, const std::vector<LegendEntry>& entries, double max_width);
  // The height legend() would use, to size a margin before drawing.
  static double legend_height(const std::vector<LegendEntry>& entries, double max_width);

  // The <svg> element, closed.
  std::string str() const;

 private:
  double width_, height_;
  std::string label_;
  std::string body_;
};

// Rough width in pixels of `text` set at `size` px in a sans-serif font (layout only).
double text_width(std::string_view text, double size = 11.0);

struct Margins {
  double left = 56, right = 16, top = 16, bottom = 44;
};

// A canvas with a plotting area and linear x/y scales.
class Plot {
 public:
  Plot(double width, double height, std::pair<double, double> x_range, std::pair<double, double> y_range,
       Margins margins, std::string_view label);

  double x(double value) const;  // data -> pixels
  double y(double value) const;
  double left() const { return margins_.left; }
  double right() const { return canvas_.width() - margins_.right; }
  double top() const { return margins_.top; }
  double bottom() const { return canvas_.height() - margins_.bottom; }
  const std::pair<double, double>& x_range() const { return x_range_; }
  const std::pair<double, double>& y_range() const { return y_range_; }

  // Grid lines, ticks with numeric labels and the axis titles; `integer_x` keeps only whole-number
  // x ticks (epochs).
  void axes(std::string_view x_label, std::string_view y_label, int x_ticks = 6, int y_ticks = 5,
            bool integer_x = false);
  // A polyline in data coordinates (not clipped); non-finite values split it.
  void series(const std::vector<double>& xs, const std::vector<double>& ys, std::string_view color,
              double stroke_width = 2.0, std::string_view dash = "");

  Canvas& canvas() { return canvas_; }
  std::string str() const { return canvas_.str(); }

 private:
  Canvas canvas_;
  std::pair<double, double> x_range_, y_range_;
  Margins margins_;
};

// The colours every chart uses, in order, for series and groups.
const std::vector<std::string>& palette();

}  // namespace tessera::report::svg
