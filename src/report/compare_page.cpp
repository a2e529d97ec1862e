// compare.html: two runs on the same samples. The accuracy difference carries its bootstrap
// interval and McNemar's test on the discordant pairs, so a reader sees whether the gap is real.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "json_fields.h"
#include "page.h"
#include "pages.h"
#include "tessera/core/format.h"
#include "tessera/report/charts.h"
#include "tessera/report/html.h"
#include "tessera/report/report_page.h"

namespace tessera::report {
namespace {

using namespace detail;

// runs.a or runs.b of compare.json; an empty object when absent.
const json& run_entry(const json& compare, const char* which) {
  static const json empty = json::object();
  const json* runs = object_at(compare, "runs");
  const json* entry = runs ? object_at(*runs, which) : nullptr;
  return entry ? *entry : empty;
}

std::string points_text(std::optional<double> v) {  // a difference of proportions in percentage points
  return v ? signed_points(*v, 2) + " pp" : "\xE2\x80\x93";
}

std::string p_value_text(std::optional<double> p) { return p ? tessera::p_value_text(*p, 4) : "\xE2\x80\x93"; }

void add_accuracy_section(Page& page, const json& compare, const std::string& name_a, const std::string& name_b) {
  const json& a = run_entry(compare, "a");
  const json& b = run_entry(compare, "b");
  std::vector<std::string> figures;
  charts::BarChart bars;
  bars.label = "accuracy of both runs";
  bars.categories = {"A: " + name_a, "B: " + name_b};
  bars.groups = {{"accuracy", {number_at(a, "accuracy").value_or(NAN), number_at(b, "accuracy").value_or(NAN)}, "#2563eb"}};
  bars.width = 520;
  figures.push_back(figure_html("Accuracy", charts::horizontal_bar_chart(bars)));

  const auto difference = number_at(compare, "accuracy_difference");
  const json* bootstrap = object_at(compare, "bootstrap");
  if (difference) {
    charts::Interval interval{"B - A", *difference, *difference, *difference, "#111827"};
    std::string caption = "Difference B - A";
    if (bootstrap) {
      interval.low = number_at(*bootstrap, "low").value_or(*difference);
      interval.high = number_at(*bootstrap, "high").value_or(*difference);
      caption += " with its " + percent_or_dash(number_at(*bootstrap, "confidence"), 0) + " bootstrap interval (" +
                 integer_or_dash(number_at(*bootstrap, "resamples")) + " resamples)";
    }
    figures.push_back(figure_html(caption, charts::interval_chart("accuracy difference", {interval}, "B - A (accuracy)", 0.0, 560)));
  }
  page.section("accuracy", "Accuracy",
               "The interval is for the difference, from resampling the same samples for both runs: if it excludes 0, "
               "the difference is unlikely to be chance.",
               row_html(figures));
}

void add_mcnemar_section(Page& page, const json& compare, const std::string& name_a, const std::string& name_b) {
  const json* mcnemar = object_at(compare, "mcnemar");
  if (!mcnemar) return;
  const auto count = number_at(compare, "count");
  const double correct_a = number_at(run_entry(compare, "a"), "correct").value_or(NAN);
  const auto a_only = number_at(*mcnemar, "a_only"), b_only = number_at(*mcnemar, "b_only");
  // The concordant cells follow from the counts: NaN (shown as a dash) when one is missing.
  const auto both = finite_or_none(correct_a - a_only.value_or(NAN));
  const auto neither = finite_or_none(count.value_or(NAN) - correct_a - b_only.value_or(NAN));
  std::string body = table_html({"", "B right", "B wrong"}, {{"A right", integer_or_dash(both), integer_or_dash(a_only)},
                                                               {"A wrong", integer_or_dash(b_only), integer_or_dash(neither)}});
  const std::string method = text_at(*mcnemar, "method");
  const std::string test = method == "exact"            ? "exact binomial"
                           : method == "chi2_corrected" ? "chi-squared with continuity correction"
                                                        : method;
  const auto statistic = number_at(*mcnemar, "statistic");  // null for the exact test
  body += paragraph_html("McNemar's test (" + test + ") on the " +
                         integer_or_dash(finite_or_none(a_only.value_or(NAN) + b_only.value_or(NAN))) +
                         " samples where the runs disagree: " +
                         (statistic ? "statistic " + fixed_or_dash(statistic, 3) + ", " : std::string()) +
                         "p = " + p_value_text(number_at(*mcnemar, "p_value")) + ".");
  page.section("mcnemar", "Where the runs disagree",
               "A: " + name_a + ", B: " + name_b + ". Only the off-diagonal counts tell the runs apart.", body);
}

void add_per_class_delta_section(Page& page, const json& compare) {
  const json* per_class = array_at(compare, "per_class");
  if (!per_class || per_class->empty()) return;
  charts::BarChart chart;
  chart.label = "per-class change from A to B";
  chart.groups = {{"\xCE\x94 recall", {}, "#ea580c"}, {"\xCE\x94 F1", {}, "#16a34a"}};
  chart.x_label = "B - A";
  std::vector<std::vector<std::string>> rows;
  double largest = 0.0;
  for (const auto& c : *per_class) {
    const json empty = json::object();
    const json& a = object_at(c, "a") ? *object_at(c, "a") : empty;
    const json& b = object_at(c, "b") ? *object_at(c, "b") : empty;
    const auto dr = number_at(c, "delta_recall"), df = number_at(c, "delta_f1");
    chart.categories.push_back(text_at(c, "name", "?"));
    chart.groups[0].values.push_back(dr.value_or(NAN));
    chart.groups[1].values.push_back(df.value_or(NAN));
    largest = std::max({largest, std::abs(dr.value_or(0)), std::abs(df.value_or(0))});
    rows.push_back({chart.categories.back(), integer_or_dash(number_at(c, "support")), fixed_or_dash(number_at(a, "recall")),
                    fixed_or_dash(number_at(b, "recall")), fixed_or_dash(dr), fixed_or_dash(number_at(a, "f1")),
                    fixed_or_dash(number_at(b, "f1")), fixed_or_dash(df)});
  }
  const double half = std::max(largest * 1.15, 0.01);
  chart.range = {-half, half};
  chart.width = 760;
  page.section("per-class", "Per-class change",
               "Bars right of 0: B is better on that class; left: A is.",
               charts::horizontal_bar_chart(chart) +
                   details_html("Table", table_html({"class", "support", "recall A", "recall B", "\xCE\x94 recall", "F1 A",
                                                     "F1 B", "\xCE\x94 F1"},
                                                    rows)));
}

}  // namespace

std::string render_compare_html(const nlohmann::json& compare) {
  const json& a = run_entry(compare, "a");
  const json& b = run_entry(compare, "b");
  const std::string name_a = text_at(a, "name", "A"), name_b = text_at(b, "name", "B");
  const std::string data = data_description(compare);
  Page page("Comparison: " + name_a + " vs " + name_b,
            data.empty() ? integer_or_dash(number_at(compare, "count")) + " samples" : data + ", the same for both runs");
  if (const json* verdict = object_at(compare, "verdict")) {
    const std::string ship = text_at(*verdict, "ship");
    page.lead("<div class=\"verdict" + std::string(ship == "either" ? " same" : "") + "\"><strong>Verdict: " +
              escape_html(ship == "a" ? "ship A (" + name_a + ")" : ship == "b" ? "ship B (" + name_b + ")" : "either") +
              ".</strong> " + escape_html(text_at(*verdict, "text")) + "</div>");
  }
  const json* bootstrap = object_at(compare, "bootstrap");
  const json* mcnemar = object_at(compare, "mcnemar");
  page.lead(tiles_html({
      {"accuracy A", percent_or_dash(number_at(a, "accuracy")), name_a},
      {"accuracy B", percent_or_dash(number_at(b, "accuracy")), name_b},
      {"difference B - A", points_text(number_at(compare, "accuracy_difference")),
       bootstrap ? "interval " + points_text(number_at(*bootstrap, "low")) + " to " +
                       points_text(number_at(*bootstrap, "high"))
                 : ""},
      {"McNemar p", p_value_text(mcnemar ? number_at(*mcnemar, "p_value") : std::nullopt),
       mcnemar ? integer_or_dash(number_at(*mcnemar, "a_only")) + " A-only vs " +
                     integer_or_dash(number_at(*mcnemar, "b_only")) + " B-only right"
               : ""},
  }));
  add_accuracy_section(page, compare, name_a, name_b);
  add_mcnemar_section(page, compare, name_a, name_b);
  add_per_class_delta_section(page, compare);
  return page.str();
}

}  // namespace tessera::report
