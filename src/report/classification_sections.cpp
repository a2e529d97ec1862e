// Confusion matrix, per-class scores, calibration, mistakes and speed of the classification page.
#include <cstdio>

#include "classification_sections.h"
#include "json_fields.h"
#include "tessera/report/charts.h"
#include "tessera/report/html.h"

namespace tessera::report::detail {
namespace {

std::vector<std::string> class_names(const json& report) {
  std::vector<std::string> names;
  if (const json* classes = array_at(report, "classes")) {
    for (const auto& c : *classes) names.push_back(c.is_string() ? c.get<std::string>() : c.dump());
  }
  return names;
}

}  // namespace

void add_confusion_section(Page& page, const nlohmann::json& report) {
  const json* confusion = array_at(report, "confusion");
  if (!confusion || confusion->empty()) return;
  charts::HeatMap map;
  map.label = "confusion matrix";
  map.labels = class_names(report);
  for (const auto& row : *confusion) {
    std::vector<double> counts;
    if (row.is_array()) {
      for (const auto& c : row) counts.push_back(c.is_number() ? c.get<double>() : 0.0);
    }
    map.counts.push_back(std::move(counts));
  }
  // Without (enough) class names, the rows are named by index.
  for (std::size_t i = map.labels.size(); i < map.counts.size(); ++i) map.labels.push_back(std::to_string(i));
  const bool many = map.labels.size() > 30;
  page.section("confusion", "Confusion matrix",
               std::string("Rows: the true class; columns: the predicted class. Colour: the share of the row (the "
                           "diagonal is each class's recall); numbers: counts.") +
                   (many ? " With this many classes the names and counts are in each cell's tooltip." : ""),
               charts::heat_map(map));
}

void add_per_class_section(Page& page, const nlohmann::json& report) {
  const json* per_class = array_at(report, "per_class");
  if (!per_class || per_class->empty()) return;
  charts::BarChart chart;
  chart.label = "precision, recall and F1 per class";
  chart.groups = {{"precision", {}, "#2563eb"}, {"recall", {}, "#ea580c"}, {"F1", {}, "#16a34a"}};
  chart.x_label = "score";
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : *per_class) {
    chart.categories.push_back(text_at(c, "name", "?"));
    chart.groups[0].values.push_back(number_at(c, "precision").value_or(NAN));
    chart.groups[1].values.push_back(number_at(c, "recall").value_or(NAN));
    chart.groups[2].values.push_back(number_at(c, "f1").value_or(NAN));
    rows.push_back({chart.categories.back(), fixed_or_dash(number_at(c, "precision")), fixed_or_dash(number_at(c, "recall")),
                    fixed_or_dash(number_at(c, "f1")), integer_or_dash(number_at(c, "support"))});
  }
  const auto count = number_at(report, "count");
  rows.push_back({"macro average", fixed_or_dash(number_at(report, "macro_precision")),
                  fixed_or_dash(number_at(report, "macro_recall")), fixed_or_dash(number_at(report, "macro_f1")),
                  integer_or_dash(count)});
  rows.push_back({"weighted average", fixed_or_dash(number_at(report, "weighted_precision")),
                  fixed_or_dash(number_at(report, "weighted_recall")), fixed_or_dash(number_at(report, "weighted_f1")),
                  integer_or_dash(count)});
  chart.width = 600;
  const std::string table = table_html({"class", "precision", "recall", "F1", "support"}, rows);
  // A long table goes under a fold; a short one reads best beside the bars.
  page.section("per-class", "Per-class precision, recall and F1", "",
               per_class->size() <= 30 ? row_html({figure_html("", charts::horizontal_bar_chart(chart)), figure_html("", table)})
                                       : charts::horizontal_bar_chart(chart) + details_html("Table", table));
}

void add_calibration_section(Page& page, const nlohmann::json& report) {
  const json* calibration = object_at(report, "calibration");
  if (!calibration) return;
  std::vector<charts::ReliabilityBin> bins;
  std::vector<std::vector<std::string>> rows;
  if (const json* table = array_at(*calibration, "table")) {
    for (const auto& b : *table) {
      charts::ReliabilityBin bin;
      bin.lower = number_at(b, "lower").value_or(0);
      bin.upper = number_at(b, "upper").value_or(0);
      bin.count = static_cast<std::int64_t>(number_at(b, "count").value_or(0));
      bin.confidence = number_at(b, "confidence");
      bin.accuracy = number_at(b, "accuracy");
      bins.push_back(bin);
      rows.push_back({fixed_or_dash(bin.lower, 3) + " \xE2\x80\x93 " + fixed_or_dash(bin.upper, 3),
                      std::to_string(bin.count), fixed_or_dash(bin.confidence), fixed_or_dash(bin.accuracy)});
    }
  }
  const std::string ece = fixed_or_dash(number_at(*calibration, "ece"));
  const std::string mce = fixed_or_dash(number_at(*calibration, "mce"));
  const std::string note = "Expected calibration error (ECE) " + ece + ", maximum (MCE) " + mce + ", over " +
                           integer_or_dash(number_at(*calibration, "bins")) +
                           " equal-width bins of confidence. ECE is the count-weighted mean of |accuracy - confidence| "
                           "per bin: 0 means the model is right exactly as often as it is confident.";
  std::vector<std::string> items;
  if (!bins.empty()) items.push_back(figure_html("Reliability diagram", charts::reliability_diagram(bins)));
  if (!rows.empty()) {
    items.push_back(figure_html("Bins", table_html({"confidence", "samples", "mean confidence", "accuracy"}, rows)));
  }
  page.section("calibration", "Calibration", note, row_html(items));
}

void add_mistakes_section(Page& page, const nlohmann::json& report) {
  const json* mistakes = array_at(report, "mistakes");
  if (!mistakes) return;
  if (mistakes->empty()) {
    page.section("mistakes", "Most confident mistakes", "", paragraph_html("No mistakes: every sample was classified correctly."));
    return;
  }
  std::string body = "<div class=\"mistakes\">";
  for (const auto& m : *mistakes) {
    const std::string thumbnail = text_at(m, "thumbnail");
    body += "<div class=\"mistake\"><div class=\"picture\">";
    // Only our own inline images: anything else in the field is not shown.
    if (thumbnail.rfind("data:image/bmp;base64,", 0) == 0 || thumbnail.rfind("data:image/png;base64,", 0) == 0) {
      body += "<img alt=\"sample\" src=\"" + escape_html(thumbnail) + "\">";
    } else {
      body += "<span class=\"none\">no thumbnail</span>";
    }
    body += "</div><div class=\"names\"><span class=\"true\">true: " + escape_html(text_at(m, "true", "?")) +
            "</span><br><span class=\"pred\">predicted: " + escape_html(text_at(m, "predicted", "?")) + "</span></div>";
    body += "<div>confidence " + fixed_or_dash(number_at(m, "confidence"), 3) + "<br>p(true class) " +
            fixed_or_dash(number_at(m, "true_probability"), 3) + "</div>";
    const std::string reference = text_at(m, "reference");
    if (!reference.empty()) body += "<div class=\"ref\">" + escape_html(reference) + "</div>";
    body += "</div>";
  }
  body += "</div>";
  page.section("mistakes", "Most confident mistakes",
               "Wrong predictions the model was surest of, as the network saw them (after resize, crop and windowing).",
               body);
}

void add_speed_section(Page& page, const nlohmann::json& report) {
  std::vector<std::string> items;
  if (const json* t = object_at(report, "throughput")) {
    items.push_back(figure_html(
        "Throughput", table_html({"", ""}, {{"images", integer_or_dash(number_at(*t, "images"))},
                                            {"seconds", fixed_or_dash(number_at(*t, "seconds"), 3)},
                                            {"images per second", fixed_or_dash(number_at(*t, "images_per_second"), 1)},
                                            {"batch size", integer_or_dash(number_at(*t, "batch_size"))},
                                            {"device", text_at(report, "device", "\xE2\x80\x93")},
                                            {"precision", text_at(report, "precision", "\xE2\x80\x93")},
                                            {"CUDA graph replays", integer_or_dash(number_at(report, "cuda_graph_replays"))}})));
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& [key, name] : {std::pair{"batch_latency_ms", "per batch"}, std::pair{"item_latency_ms", "per image"}}) {
    const json* l = object_at(report, key);
    if (!l) continue;
    rows.push_back({name, integer_or_dash(number_at(*l, "count")), fixed_or_dash(number_at(*l, "mean_ms"), 3),
                    fixed_or_dash(number_at(*l, "p50_ms"), 3), fixed_or_dash(number_at(*l, "p90_ms"), 3),
                    fixed_or_dash(number_at(*l, "p95_ms"), 3), fixed_or_dash(number_at(*l, "p99_ms"), 3),
                    fixed_or_dash(number_at(*l, "max_ms"), 3)});
  }
  if (!rows.empty()) {
    // "gpu": CUDA event time of each batch on the stream; "wall": host time.
    items.push_back(figure_html("Latency (ms, " + text_at(report, "latency_clock", "wall") + " clock)",
                                table_html({"", "batches", "mean", "p50", "p90", "p95", "p99", "max"}, rows)));
  }
  if (!items.empty()) page.section("speed", "Throughput and latency", "", row_html(items));
}

}  // namespace tessera::report::detail
