// report.html and compare.html from the fixtures: checked by Python's html and XML parsers
// (tests/report/check_page.py) and for the numbers and names they must show.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "report_test_util.h"
#include "support/temp_dir.h"
#include "tessera/core/error.h"

namespace tessera::report {
namespace {

using testing::capture;
using testing::check_page_script;
using testing::fixture_inputs;
using testing::fixture_json;
using testing::python;
using testing::shell_quote;

constexpr const char* kHostile = "<script>&\"x'";

// The page's text content as Python's parser decodes it; fails the test when a check fails.
nlohmann::json checked(const std::string& html, const std::vector<std::string>& forbidden = {}) {
  tessera::testing::TempDir dir("report-page");
  const auto path = dir / "page.html";
  write_file_atomic(path, html);
  std::string command = shell_quote(python()) + " " + shell_quote(check_page_script()) + " " + shell_quote(path.string());
  for (const auto& f : forbidden) command += " " + shell_quote(f);
  const auto result = capture(command);
  EXPECT_EQ(result.exit_code, 0) << result.out;
  return result.exit_code == 0 ? nlohmann::json::parse(result.out) : nlohmann::json::object();
}

bool contains(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

std::string four(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.4f", v);
  return buffer;
}

TEST(ReportPage, MultiClassPageIsWellFormedAndEscapesHostileNames) {
  const auto inputs = fixture_inputs("report_multiclass.json");
  const std::string html = render_report_html(inputs);
  // The hostile class name is in the classes, per_class, confusion tooltips and a mistake.
  const auto summary = checked(html, {kHostile, "<script", "digits<&>"});
  const std::string text = summary.value("text", "");
  EXPECT_TRUE(contains(text, kHostile)) << "the name round-trips through the parser unchanged";
  EXPECT_TRUE(contains(text, "Evaluation of digits<&>"));
  // Charts: confusion, per-class bars, reliability, training loss/accuracy/lr; no ROC without "binary".
  EXPECT_EQ(summary.value("svgs", 0), 6);
  EXPECT_FALSE(contains(html, "id=\"binary\""));
  EXPECT_TRUE(contains(text, "Confusion matrix"));
  EXPECT_TRUE(contains(text, "Calibration"));
  const auto& report = inputs.report;
  EXPECT_TRUE(contains(text, four(report["calibration"]["ece"].get<double>()))) << "ECE shown";
  EXPECT_TRUE(contains(text, four(report["macro_f1"].get<double>())));
  // Thumbnails: every mistake but the one without, as inline BMPs.
  EXPECT_EQ(summary.value("images", 0), static_cast<int>(report["mistakes"].size()) - 1);
  EXPECT_TRUE(contains(text, "no thumbnail"));
  // Config and fingerprint.
  EXPECT_TRUE(contains(text, "simple_cnn"));
  EXPECT_TRUE(contains(text, "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"));
  EXPECT_TRUE(contains(html, "Content-Security-Policy"));
}

TEST(ReportPage, BinaryPageShowsCurvesWithAucAndOperatingPoints) {
  const auto inputs = fixture_inputs("report_binary.json");
  const std::string html = render_report_html(inputs);
  const auto summary = checked(html);
  const std::string text = summary.value("text", "");
  const auto& binary = inputs.report["binary"];
  EXPECT_TRUE(contains(text, "ROC, AUC = " + four(binary["roc_auc"].get<double>()))) << "AUC in the legend";
  EXPECT_TRUE(contains(text, "PR, average precision = " + four(binary["pr_auc"].get<double>())));
  EXPECT_TRUE(contains(text, "Positive class: pneumonia"));
  // Both operating points: on the charts (labels) and in the table, with their counts.
  const auto& target = binary["at_target_sensitivity"];
  EXPECT_TRUE(contains(text, four(target["threshold"].get<double>())));
  EXPECT_TRUE(contains(text, std::to_string(target["tp"].get<int>())));
  EXPECT_EQ(summary.value("svgs", 0), 8);  // ROC, PR + the six of a multi-class page
  EXPECT_GE(std::count(html.begin(), html.end(), '\n'), 1);
}

TEST(ReportPage, LanguageModelPageIsSmaller) {
  const auto inputs = fixture_inputs("report_language_model.json", "metrics_language_model.jsonl", "lm_char_en.yaml");
  const std::string html = render_report_html(inputs);
  const auto summary = checked(html);
  const std::string text = summary.value("text", "");
  EXPECT_TRUE(contains(text, "perplexity"));
  char perplexity[32];
  std::snprintf(perplexity, sizeof perplexity, "%.3f", std::exp(inputs.report["loss"].get<double>()));
  EXPECT_TRUE(contains(text, perplexity)) << "exp(loss)";
  EXPECT_TRUE(contains(text, "3.7924")) << "bits per character";
  EXPECT_FALSE(contains(text, "Confusion matrix"));
  EXPECT_EQ(summary.value("svgs", 0), 4);  // loss, accuracy, perplexity, learning rate
  // Without the "task" key (reports written before it existed) the page is still the LM one.
  auto old = inputs;
  old.report.erase("task");
  EXPECT_TRUE(contains(render_report_html(old), "bits per character"));
}

TEST(ReportPage, RendersWhateverIsPresent) {
  // Nothing but an accuracy, no metrics, no config: a page, not an exception.
  ReportInputs bare;
  bare.report = {{"accuracy", 0.5}};
  const auto summary = checked(render_report_html(bare));
  EXPECT_TRUE(contains(summary.value("text", ""), "50.00%"));
  EXPECT_TRUE(contains(summary.value("text", ""), "no metrics.jsonl"));

  // Wrong types and nulls everywhere.
  ReportInputs odd = fixture_inputs("report_binary.json");
  odd.report["accuracy"] = "high";
  odd.report["confusion"][0] = nullptr;
  odd.report["per_class"][0]["f1"] = nullptr;
  odd.report["binary"]["roc_curve"]["fpr"] = "none";
  odd.report["binary"]["at_threshold"] = 3;
  odd.report["calibration"]["table"][0] = {{"lower", "x"}};
  odd.report["mistakes"][0]["thumbnail"] = "javascript:alert(1)";
  odd.report["classes"] = {1, 2};
  odd.metrics = {nlohmann::json::object(), {{"epoch", 1}, {"train_loss", nullptr}}, {{"val_loss", 0.5}}};
  checked(render_report_html(odd), {"javascript:"});
}

TEST(ReportPage, HundredClassesStayReadable) {
  ReportInputs inputs;
  auto& r = inputs.report;
  r = {{"task", "classification"}, {"accuracy", 0.9}, {"count", 10000}};
  for (int i = 0; i < 100; ++i) {
    const std::string name = "class <" + std::to_string(i) + ">";
    r["classes"].push_back(name);
    r["per_class"].push_back({{"name", name}, {"precision", 0.9}, {"recall", 0.8}, {"f1", 0.85}, {"support", 100}});
    std::vector<int> row(100, 0);
    row[i] = 90;
    row[(i + 1) % 100] = 10;
    r["confusion"].push_back(row);
  }
  const std::string html = render_report_html(inputs);
  checked(html, {"class <"});
  EXPECT_LT(html.size(), 600000u);
  EXPECT_TRUE(contains(html, "true class (index)")) << "index ticks instead of names";
}

TEST(ComparePage, ShowsVerdictMcNemarAndDeltas) {
  const auto compare = fixture_json("compare.json");
  const std::string html = render_compare_html(compare);
  const auto summary = checked(html, {"resnet18<a>", kHostile});
  const std::string text = summary.value("text", "");
  EXPECT_TRUE(contains(text, "Comparison: resnet18<a> vs resnet34 & more"));
  EXPECT_TRUE(contains(text, "Verdict: ship B (resnet34 & more)."));
  EXPECT_TRUE(contains(text, compare["verdict"]["text"].get<std::string>()));
  EXPECT_TRUE(contains(text, "+2.40 pp")) << "the difference";
  EXPECT_TRUE(contains(text, "+0.60 pp to +4.20 pp")) << "its bootstrap interval";
  EXPECT_TRUE(contains(text, "p = 0.0428"));
  // McNemar's table: both right = 456 - 9 = 447; both wrong = 500 - 456 - 21 = 23.
  EXPECT_TRUE(contains(text, "A right 447 9"));
  EXPECT_TRUE(contains(text, "A wrong 21 23"));
  EXPECT_EQ(summary.value("svgs", 0), 3);  // accuracies, difference interval, per-class deltas
  checked(render_compare_html(nlohmann::json::object()));  // nothing at all still renders
}

TEST(RunReport, RebuildsFromTheRunDirectoryAndNamesAMissingReport) {
  tessera::testing::TempDir run("report-run");
  try {
    rebuild_report_html(run.path());
    FAIL() << "expected a UserError";
  } catch (const UserError& e) {
    const std::string message = e.what();
    EXPECT_TRUE(contains(message, (run.path() / "report.json").string())) << message;
    EXPECT_TRUE(contains(message, "tessera eval " + run.path().string() + " --data PATH")) << message;
  }
  write_file_atomic(run / "report.json", "[1, 2");
  EXPECT_THROW(rebuild_report_html(run.path()), UserError);

  write_file_atomic(run / "report.json", read_file(testing::fixture("report_multiclass.json")));
  write_file_atomic(run / "metrics.jsonl", read_file(testing::fixture("metrics.jsonl")));
  write_file_atomic(run / "config.yaml", "model:\n  name: <resnet>\n");
  const auto path = rebuild_report_html(run.path());
  EXPECT_EQ(path, run.path() / "report.html");
  const std::string html = read_file(path);
  EXPECT_TRUE(contains(html, "name: &lt;resnet&gt;")) << "the config, escaped";
  EXPECT_FALSE(contains(html, "Data fingerprint")) << "no fingerprint file, no fingerprint";
  EXPECT_TRUE(contains(html, "<polyline")) << "training curves from metrics.jsonl";
}

TEST(RunReport, MetricsLogSkipsAHalfWrittenLine) {
  const auto records = read_metrics_log(testing::fixture("metrics.jsonl"));
  ASSERT_EQ(records.size(), 15u);
  EXPECT_EQ(records.back()["epoch"], 15);
  EXPECT_TRUE(read_metrics_log("/nonexistent/metrics.jsonl").empty());
}

}  // namespace
}  // namespace tessera::report
