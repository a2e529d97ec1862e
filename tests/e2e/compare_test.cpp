// `tessera eval`'s report.json contract and `tessera compare` on two differently trained digit
// runs: compare.json's numbers must agree with each run's own `tessera eval` on the same data.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <sstream>

#include "e2e/cli.h"

namespace tessera::e2e {
namespace {
namespace fs = std::filesystem;

nlohmann::json read_json(const fs::path& path) {
  return nlohmann::json::parse(read_text(path));
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// A second run, trained differently from the shared quick run: half the width, one epoch.
fs::path train_other_run(const fs::path& root) {
  std::string yaml = quick_digits_config(root, 1);
  yaml = replace(yaml, "name: quick", "name: narrow");
  yaml = replace(yaml, "width: 8", "width: 4");  // and one epoch: clearly weaker
  std::ofstream(root / "narrow.yaml") << yaml;
  const auto trained = run_tessera({"train", (root / "narrow.yaml").string()});
  EXPECT_EQ(trained.exit_code, 0) << trained.err;
  return root / "narrow";
}

nlohmann::json eval_report(const fs::path& run, const fs::path& out) {
  const auto result = run_tessera({"eval", run.string(), "--data", (digits_dir() / "test").string(), "--device", "cpu",
                                   "--output", out.string()});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  return read_json(out / "report.json");
}

TEST(EvalReport, HoldsTheReportContract) {
  const auto report = eval_report(trained_quick_run(), fresh_dir("contract"));
  EXPECT_EQ(report["task"], "classification");
  for (const char* key : {"macro_precision", "macro_recall", "weighted_precision", "weighted_recall"}) {
    EXPECT_TRUE(report[key].is_number()) << key;
  }
  EXPECT_NEAR(report["weighted_recall"].get<double>(), report["accuracy"].get<double>(), 1e-12);
  EXPECT_TRUE(report["batch_latency_ms"]["p95_ms"].is_number());
  EXPECT_TRUE(report["item_latency_ms"]["p90_ms"].is_number());
  const auto& calibration = report["calibration"];
  EXPECT_EQ(calibration["bins"], 15);
  ASSERT_EQ(calibration["table"].size(), 15u);
  std::int64_t binned = 0;
  for (const auto& bin : calibration["table"]) binned += bin["count"].get<std::int64_t>();
  EXPECT_EQ(binned, 500);
  EXPECT_GE(calibration["mce"].get<double>(), calibration["ece"].get<double>());
  EXPECT_FALSE(report.contains("binary"));  // ten classes
  EXPECT_EQ(report["data"]["path_hint"], "test");
  EXPECT_EQ(report["data"]["samples"], 500);
  // The most confident mistakes, each named by its path inside the data folder.
  const auto& mistakes = report["mistakes"];
  const auto wrong = 500 - static_cast<std::int64_t>(std::llround(report["accuracy"].get<double>() * 500));
  EXPECT_EQ(mistakes.size(), static_cast<std::size_t>(std::min<std::int64_t>(wrong, 16)));
  for (std::size_t i = 0; i < mistakes.size(); ++i) {
    const auto& m = mistakes[i];
    EXPECT_NE(m["true"], m["predicted"]);
    EXPECT_TRUE(fs::exists(digits_dir() / "test" / m["reference"].get<std::string>())) << m["reference"];
    EXPECT_EQ(m["reference"].get<std::string>().substr(0, 1), m["true"].get<std::string>());  // <class>/<file>
    EXPECT_GE(m["confidence"].get<double>(), m["true_probability"].get<double>());
    if (i > 0) EXPECT_LE(m["confidence"].get<double>(), mistakes[i - 1]["confidence"].get<double>());
  }
}

TEST(EvalReport, TwoClassRunsGetTheBinarySection) {
  // Zeros against ones, trained for one epoch.
  const fs::path root = fresh_dir("binary");
  for (const char* split : {"train", "val", "test"}) {
    for (const char* digit : {"0", "1"}) {
      fs::create_directories(root / "data" / split / digit);
      for (const auto& entry : fs::directory_iterator(digits_dir() / split / digit)) {
        fs::copy_file(entry.path(), root / "data" / split / digit / entry.path().filename());
      }
    }
  }
  std::string yaml = quick_digits_config(root, 1);
  yaml = replace(yaml, (digits_dir() / "train").string(), (root / "data" / "train").string());
  yaml = replace(yaml, (digits_dir() / "val").string(), (root / "data" / "val").string());
  yaml = replace(yaml, (digits_dir() / "test").string(), (root / "data" / "test").string());
  std::ofstream(root / "binary.yaml") << yaml << "eval: {positive_class: \"1\", threshold: 0.6}\n";
  ASSERT_EQ(run_tessera({"train", (root / "binary.yaml").string()}).exit_code, 0);
  const auto result = run_tessera({"eval", (root / "quick").string(), "--data", (root / "data" / "test").string(),
                                   "--device", "cpu", "--output", (root / "out").string()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto report = read_json(root / "out" / "report.json");
  const auto& binary = report["binary"];
  EXPECT_EQ(binary["positive_class"], "1");
  EXPECT_EQ(binary["positive_index"], 1);
  EXPECT_GT(binary["roc_auc"].get<double>(), 0.9);
  EXPECT_GT(binary["pr_auc"].get<double>(), 0.9);
  const auto& at = binary["at_threshold"];
  EXPECT_EQ(at["threshold"], 0.6);
  const auto count = report["count"].get<std::int64_t>();
  EXPECT_EQ(at["tp"].get<std::int64_t>() + at["fp"].get<std::int64_t>() + at["tn"].get<std::int64_t>() +
                at["fn"].get<std::int64_t>(),
            count);
  EXPECT_EQ(at["tp"].get<std::int64_t>() + at["fn"].get<std::int64_t>(), report["per_class"][1]["support"]);
  EXPECT_GE(binary["at_target_sensitivity"]["sensitivity"].get<double>(), 0.95);
  EXPECT_EQ(binary["roc_curve"]["fpr"].size(), binary["roc_curve"]["tpr"].size());
  EXPECT_EQ(binary["pr_curve"]["precision"].size(), binary["pr_curve"]["thresholds"].size() + 1);
}

TEST(Compare, AgreesWithEachRunsOwnEval) {
  const fs::path run_a = trained_quick_run();
  const fs::path root = fresh_dir("compare");
  const fs::path run_b = train_other_run(root);
  const auto report_a = eval_report(run_a, root / "eval-a");
  const auto report_b = eval_report(run_b, root / "eval-b");

  const fs::path out = root / "out";
  const auto result = run_tessera({"compare", run_a.string(), run_b.string(), "--data", (digits_dir() / "test").string(),
                                   "--device", "cpu", "--output", out.string(), "--bootstrap", "1000", "--seed", "7"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::printf("%s\n", result.out.c_str());  // a real comparison, for the record
  const auto c = read_json(out / "compare.json");
  EXPECT_TRUE(fs::exists(out / "compare.html"));

  EXPECT_EQ(c["count"], 500);
  EXPECT_EQ(c["data"]["samples"], 500);
  EXPECT_EQ(c["runs"]["a"]["name"], "quick");
  EXPECT_EQ(c["runs"]["b"]["name"], "narrow");
  // The same predictions as `tessera eval` made: the same accuracies, to the last bit.
  EXPECT_EQ(c["runs"]["a"]["accuracy"].get<double>(), report_a["accuracy"].get<double>());
  EXPECT_EQ(c["runs"]["b"]["accuracy"].get<double>(), report_b["accuracy"].get<double>());
  const auto correct_a = c["runs"]["a"]["correct"].get<std::int64_t>();
  const auto correct_b = c["runs"]["b"]["correct"].get<std::int64_t>();
  EXPECT_EQ(correct_a, std::llround(report_a["accuracy"].get<double>() * 500));
  const double difference = c["accuracy_difference"].get<double>();
  EXPECT_NEAR(difference, report_b["accuracy"].get<double>() - report_a["accuracy"].get<double>(), 1e-12);
  // McNemar's discordant counts differ by exactly the difference in correct answers.
  const auto& mcnemar = c["mcnemar"];
  const auto a_only = mcnemar["a_only"].get<std::int64_t>();
  const auto b_only = mcnemar["b_only"].get<std::int64_t>();
  EXPECT_EQ(b_only - a_only, correct_b - correct_a);
  EXPECT_EQ(mcnemar["method"], a_only + b_only < 25 ? "exact" : "chi2_corrected");
  EXPECT_GT(mcnemar["p_value"].get<double>(), 0.0);
  EXPECT_LE(mcnemar["p_value"].get<double>(), 1.0);
  const auto& bootstrap = c["bootstrap"];
  EXPECT_EQ(bootstrap["resamples"], 1000);
  EXPECT_EQ(bootstrap["seed"], 7);
  EXPECT_EQ(bootstrap["confidence"], 0.95);
  EXPECT_LE(bootstrap["low"].get<double>(), difference);
  EXPECT_GE(bootstrap["high"].get<double>(), difference);
  // Per class: each side's recall is that run's own report's recall.
  ASSERT_EQ(c["per_class"].size(), 10u);
  for (std::size_t k = 0; k < 10; ++k) {
    const auto& row = c["per_class"][k];
    EXPECT_EQ(row["support"], report_a["per_class"][k]["support"]);
    EXPECT_NEAR(row["a"]["recall"].get<double>(), report_a["per_class"][k]["recall"].get<double>(), 1e-12);
    EXPECT_NEAR(row["b"]["f1"].get<double>(), report_b["per_class"][k]["f1"].get<double>(), 1e-12);
    EXPECT_NEAR(row["delta_recall"].get<double>(), row["b"]["recall"].get<double>() - row["a"]["recall"].get<double>(),
                1e-12);
  }
  const std::string ship = c["verdict"]["ship"];
  EXPECT_TRUE(ship == "a" || ship == "b" || ship == "either") << ship;
  EXPECT_EQ(c["verdict"]["significant"].get<bool>(), ship != "either");
  EXPECT_NE(result.out.find("verdict: " + c["verdict"]["text"].get<std::string>()), std::string::npos) << result.out;

  // Seeded: the same command gives the same interval.
  const auto again = run_tessera({"compare", run_a.string(), run_b.string(), "--data", (digits_dir() / "test").string(),
                                  "--device", "cpu", "--output", (root / "again").string(), "--bootstrap", "1000",
                                  "--seed", "7"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(read_json(root / "again" / "compare.json")["bootstrap"], bootstrap);
}

TEST(Compare, RunsWithOtherClassNamesAreAUserError) {
  const fs::path root = fresh_dir("mismatch");
  fs::copy(trained_quick_run(), root / "renamed", fs::copy_options::recursive);
  std::ofstream(root / "renamed" / "labels.txt", std::ios::trunc) << "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n";
  const auto result = run_tessera({"compare", trained_quick_run().string(), (root / "renamed").string(), "--data",
                                   (digits_dir() / "test").string(), "--device", "cpu", "--output", root.string()});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("different class names"), std::string::npos) << result.err;
  EXPECT_FALSE(fs::exists(root / "compare.json"));
}

}  // namespace
}  // namespace tessera::e2e
