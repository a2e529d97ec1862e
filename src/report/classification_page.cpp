// report.html of a classification run: headline numbers first, then the sections in the order
// a reader asks the questions (how good, where wrong, how sure, how trained, how fast, what run).
#include "classification_sections.h"
#include "json_fields.h"
#include "pages.h"

namespace tessera::report::detail {
namespace {

std::vector<Tile> headline(const json& report) {
  std::vector<Tile> tiles;
  const auto count = number_at(report, "count");
  const auto accuracy = number_at(report, "accuracy");
  tiles.push_back({"accuracy", percent_or_dash(accuracy),
                   count && accuracy ? integer_or_dash(*accuracy * *count) + " of " + integer_or_dash(count) + " correct"
                                     : ""});
  const json* classes = array_at(report, "classes");
  const auto k = number_at(report, "top_k");
  // Top-k of k >= the number of classes is 100% by definition: not worth a tile.
  if (const auto top_k = number_at(report, "top_k_accuracy"); top_k && !(classes && k && *k >= static_cast<double>(classes->size()))) {
    tiles.push_back({"top-" + integer_or_dash(number_at(report, "top_k")) + " accuracy", percent_or_dash(top_k), ""});
  }
  tiles.push_back({"macro F1", fixed_or_dash(number_at(report, "macro_f1")),
                   number_at(report, "macro_precision") ? "precision " + fixed_or_dash(number_at(report, "macro_precision"), 3) +
                                                              ", recall " + fixed_or_dash(number_at(report, "macro_recall"), 3)
                                                        : ""});
  if (const auto weighted = number_at(report, "weighted_f1")) tiles.push_back({"weighted F1", fixed_or_dash(weighted), ""});
  if (const json* binary = object_at(report, "binary")) {
    tiles.push_back({"ROC AUC", fixed_or_dash(number_at(*binary, "roc_auc")), "positive: " + text_at(*binary, "positive_class")});
    tiles.push_back({"average precision", fixed_or_dash(number_at(*binary, "pr_auc")), "area under the PR curve"});
  }
  if (const auto loss = number_at(report, "loss")) tiles.push_back({"loss", fixed_or_dash(loss), "cross-entropy"});
  if (const json* calibration = object_at(report, "calibration")) {
    tiles.push_back({"ECE", fixed_or_dash(number_at(*calibration, "ece")),
                     "calibration error, MCE " + fixed_or_dash(number_at(*calibration, "mce"), 3)});
  }
  if (const json* throughput = object_at(report, "throughput")) {
    tiles.push_back({"throughput", fixed_or_dash(number_at(*throughput, "images_per_second"), 0) + " img/s",
                     text_at(report, "device")});
  }
  if (const auto unreadable = number_at(report, "unreadable"); unreadable && *unreadable > 0) {
    tiles.push_back({"unreadable", integer_or_dash(unreadable), "files skipped"});
  }
  return tiles;
}

}  // namespace

std::string classification_page(const ReportInputs& inputs) {
  const json& report = inputs.report;
  Page page("Evaluation of " + text_at(report, "run", "a run"),
            join_parts({data_description(report), "weights: " + text_at(report, "weights", "?"),
                        text_at(report, "device"), text_at(report, "precision")}));
  page.lead(tiles_html(headline(report)));
  add_binary_section(page, report);
  add_confusion_section(page, report);
  add_per_class_section(page, report);
  add_calibration_section(page, report);
  add_mistakes_section(page, report);
  add_training_section(page, inputs.metrics, false);
  add_speed_section(page, report);
  add_run_section(page, inputs.config_yaml, inputs.fingerprint);
  return page.str();
}

}  // namespace tessera::report::detail
