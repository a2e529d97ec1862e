// Binary classifiers: ROC and precision-recall curves, with the two operating points marked
// (the fixed threshold, and the threshold that reaches the target sensitivity).
#include <cstdio>

#include "classification_sections.h"
#include "json_fields.h"
#include "tessera/report/charts.h"

namespace tessera::report::detail {
namespace {

struct OperatingPoint {
  std::string name;
  const json* values;
};

// The legend entry of an operating point: its threshold, and what chose it.
std::string point_label(const OperatingPoint& point) {
  char buffer[96];
  std::snprintf(buffer, sizeof buffer, "t = %.3g (%s)", number_at(*point.values, "threshold").value_or(NAN),
                point.name.c_str());
  return buffer;
}

}  // namespace

void add_binary_section(Page& page, const nlohmann::json& report) {
  const json* binary = object_at(report, "binary");
  if (!binary) return;
  std::vector<OperatingPoint> points;
  if (const json* p = object_at(*binary, "at_threshold")) points.push_back({"fixed threshold", p});
  if (const json* p = object_at(*binary, "at_target_sensitivity")) {
    char name[64];
    std::snprintf(name, sizeof name, "sensitivity >= %.3g", number_at(*p, "target").value_or(NAN));
    points.push_back({name, p});
  }
  constexpr const char* point_colors[] = {"#111827", "#dc2626"};

  std::vector<std::string> figures;
  if (const json* roc = object_at(*binary, "roc_curve")) {
    charts::LineChart chart;
    chart.label = "ROC curve";
    chart.x_label = "false positive rate (1 - specificity)";
    chart.y_label = "true positive rate (sensitivity)";
    chart.series.push_back({"ROC, AUC = " + fixed_or_dash(number_at(*binary, "roc_auc")), numbers_at(*roc, "fpr"),
                            numbers_at(*roc, "tpr"), "#2563eb", false, false});
    chart.x_range = chart.y_range = std::pair{0.0, 1.0};
    chart.diagonal = true;
    chart.reference_label = "chance";
    for (std::size_t i = 0; i < points.size(); ++i) {
      const auto specificity = number_at(*points[i].values, "specificity");
      const auto sensitivity = number_at(*points[i].values, "sensitivity");
      if (specificity && sensitivity) {
        chart.points.push_back({1.0 - *specificity, *sensitivity, point_label(points[i]), point_colors[i]});
      }
    }
    chart.width = chart.height = 440;
    figures.push_back(figure_html("ROC curve", charts::line_chart(chart)));
  }
  if (const json* pr = object_at(*binary, "pr_curve")) {
    charts::LineChart chart;
    chart.label = "Precision-recall curve";
    chart.x_label = "recall (sensitivity)";
    chart.y_label = "precision";
    chart.series.push_back({"PR, average precision = " + fixed_or_dash(number_at(*binary, "pr_auc")),
                            numbers_at(*pr, "recall"), numbers_at(*pr, "precision"), "#9333ea", false, false});
    chart.x_range = chart.y_range = std::pair{0.0, 1.0};
    // Chance level is the share of positives, known from any operating point's counts.
    if (!points.empty()) {
      const json& p = *points.front().values;
      const double positives = number_at(p, "tp").value_or(0) + number_at(p, "fn").value_or(0);
      const double total = positives + number_at(p, "fp").value_or(0) + number_at(p, "tn").value_or(0);
      if (total > 0) {
        chart.baseline = positives / total;
        chart.reference_label = "chance (share of positives)";
      }
    }
    for (std::size_t i = 0; i < points.size(); ++i) {
      const auto precision = number_at(*points[i].values, "precision");
      const auto sensitivity = number_at(*points[i].values, "sensitivity");
      if (precision && sensitivity) {
        chart.points.push_back({*sensitivity, *precision, point_label(points[i]), point_colors[i]});
      }
    }
    chart.width = chart.height = 440;
    figures.push_back(figure_html("Precision-recall curve", charts::line_chart(chart)));
  }

  std::vector<std::vector<std::string>> rows;
  for (const auto& [name, p] : points) {
    rows.push_back({name, fixed_or_dash(number_at(*p, "threshold")), fixed_or_dash(number_at(*p, "sensitivity")),
                    fixed_or_dash(number_at(*p, "specificity")), fixed_or_dash(number_at(*p, "precision")),
                    integer_or_dash(number_at(*p, "tp")), integer_or_dash(number_at(*p, "fp")),
                    integer_or_dash(number_at(*p, "tn")), integer_or_dash(number_at(*p, "fn"))});
  }
  std::string body = row_html(figures);
  if (!rows.empty()) {
    body += "<h3>Operating points</h3>" +
            table_html({"operating point", "threshold", "sensitivity", "specificity", "precision", "TP", "FP", "TN", "FN"},
                       rows);
  }
  page.section("binary", "ROC and precision-recall",
               "Positive class: " + text_at(*binary, "positive_class", "?") +
                   ". Marked: the decision threshold, and the threshold chosen to reach the target sensitivity.",
               body);
}

}  // namespace tessera::report::detail
