#pragma once
// The report's charts, each an <svg> string built on report/svg.h: line charts (training
// curves, ROC, PR), horizontal grouped bars (per-class scores, deltas), the confusion heat map,
// the reliability diagram and an interval plot (a difference with its confidence interval).
// Every label is plain text; the charts escape it.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tessera::report::charts {

struct Series {
  std::string name;
  std::vector<double> x, y;  // equal lengths; non-finite values leave a gap
  std::string color;         // empty: the palette's next colour
  bool dashed = false;
  bool markers = false;      // a dot at each point (sparse series, e.g. one validation per epoch)
};

struct PointMark {  // a marked operating point, named in the legend (labels beside points collide)
  double x = 0, y = 0;
  std::string label;
  std::string color = "#111827";
};

struct LineChart {
  std::string label;  // what the chart shows (aria-label)
  std::string x_label, y_label;
  std::vector<Series> series;
  std::vector<PointMark> points;
  std::optional<std::pair<double, double>> x_range, y_range;  // fixed axes; otherwise from the data
  bool diagonal = false;               // the y = x reference line (chance on a ROC curve)
  std::optional<double> baseline;      // a horizontal reference line (chance on a PR curve)
  std::string reference_label;         // legend entry of the diagonal or baseline
  bool integer_x = false;              // epochs: ticks only at whole numbers
  double width = 520, height = 340;
};
std::string line_chart(const LineChart& chart);

struct BarGroup {
  std::string name;
  std::vector<double> values;  // one per category; non-finite: no bar
  std::string color;
};

struct BarChart {
  std::string label;
  std::vector<std::string> categories;
  std::vector<BarGroup> groups;
  std::pair<double, double> range = {0.0, 1.0};  // may straddle 0 (deltas): bars grow from 0
  std::string x_label;
  bool value_labels = true;  // numbers at the bar ends (dropped when bars get too thin)
  double width = 640;
};
std::string horizontal_bar_chart(const BarChart& chart);

struct HeatMap {
  std::string label;
  std::vector<std::string> labels;            // class names, one per row and column
  std::vector<std::vector<double>> counts;    // [true][predicted]
};
// Colour is the row share (recall per true class), text the count. Past ~30 classes the names
// and counts give way to index ticks; every cell keeps a tooltip with names, count and share.
std::string heat_map(const HeatMap& map);

struct ReliabilityBin {
  double lower = 0, upper = 0;
  std::int64_t count = 0;
  std::optional<double> confidence, accuracy;  // absent for an empty bin
};
// Bars of accuracy per confidence bin against the diagonal, the gap to the bin's mean confidence
// shaded, and a histogram of counts (with numbers) below.
std::string reliability_diagram(const std::vector<ReliabilityBin>& bins);

struct Interval {
  std::string name;
  double value = 0, low = 0, high = 0;
  std::string color;
};
// Points with whiskers on one horizontal axis, with a vertical reference line at `reference`.
std::string interval_chart(const std::string& label, const std::vector<Interval>& rows, const std::string& x_label,
                           double reference = 0.0, double width = 640);

}  // namespace tessera::report::charts
