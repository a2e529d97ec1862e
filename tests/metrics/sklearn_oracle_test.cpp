// The metrics against scikit-learn 1.9 / numpy on the same inputs (tests/metrics/metrics_reference.py).
// Tolerance: 1e-9 absolute for every double (the maths is double on both sides; the only
// differences are summation order and sklearn's drop_intermediate ROC points for the AUC).
// Counts must match exactly. Skipped, with the reason, when the venv lacks scikit-learn.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

#include "python_oracle.h"
#include "tessera/metrics/binary.h"
#include "tessera/metrics/calibration.h"
#include "tessera/metrics/classification.h"

namespace tessera::metrics {
namespace {

using namespace tessera::metrics::testing;

constexpr double kTolerance = 1e-9;

struct MulticlassCase {
  std::string name;
  int classes = 0;
  int k = 1;
  std::vector<std::vector<double>> logits;
  std::vector<std::int64_t> targets;
};

struct BinaryCase {
  std::string name;
  std::vector<int> labels;
  std::vector<double> scores;
  double threshold = 0.5;
  double target = 0.95;
  int bins = 15;
};

// Continuous logits (no ties, as top_k_accuracy_score breaks ties the other way) over C classes;
// targets drawn from the first `present` classes only, so the rest have zero support.
MulticlassCase random_multiclass(const std::string& name, int classes, int present, int n, int k, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 2.0);
  std::uniform_int_distribution<int> target(0, present - 1);
  MulticlassCase c{name, classes, k, {}, {}};
  for (int i = 0; i < n; ++i) {
    const int t = target(rng);
    std::vector<double> row;
    for (int j = 0; j < classes; ++j) row.push_back(normal(rng) + (j == t ? 1.5 : 0.0));  // better than chance
    c.logits.push_back(row);
    c.targets.push_back(t);
  }
  return c;
}

// Scores on the grid (2j + 1) / 40: many ties, and never on a bin edge j/15 or j/10 (where
// calibration_curve and our binning put a value in different bins, see calibration.h).
BinaryCase tied_binary(const std::string& name, int n, double positive_rate, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::bernoulli_distribution positive(positive_rate);
  std::normal_distribution<double> noise(0.0, 0.25);
  BinaryCase c{name, {}, {}, 0.525, 0.9, 15};  // 0.525 = 21/40 is itself a score: ties at the threshold
  for (int i = 0; i < n; ++i) {
    const int label = positive(rng) ? 1 : 0;
    const double raw = std::clamp(0.5 + (label ? 0.2 : -0.2) + noise(rng), 0.0, 0.999);
    c.labels.push_back(label);
    c.scores.push_back((2.0 * std::floor(raw * 20.0) + 1.0) / 40.0);
  }
  return c;
}

BinaryCase continuous_binary(const std::string& name, int n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::bernoulli_distribution positive(0.3);
  std::normal_distribution<double> normal(0.0, 1.0);
  BinaryCase c{name, {}, {}, 0.5, 0.95, 10};
  for (int i = 0; i < n; ++i) {
    const int label = positive(rng) ? 1 : 0;
    c.labels.push_back(label);
    c.scores.push_back(1.0 / (1.0 + std::exp(-(normal(rng) + (label ? 1.0 : -0.5)))));  // a sigmoid probability
  }
  return c;
}

class SklearnOracle : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const auto reason = oracle_unavailable(); !reason.empty()) GTEST_SKIP() << reason;
  }
  static void TearDownTestSuite() {
    std::printf("[ oracle   ] largest deviation from scikit-learn: %.3g (tolerance %.0e)\n", max_deviation(), kTolerance);
  }
};

TEST_F(SklearnOracle, Multiclass) {
  const std::vector<MulticlassCase> cases{
      random_multiclass("5 classes, class 4 without support", 5, 4, 300, 3, 11),
      random_multiclass("3 classes, all present", 3, 3, 97, 2, 12),
      random_multiclass("4 classes, one present", 4, 1, 40, 2, 13),  // degenerate: one true class
  };
  nlohmann::json input = nlohmann::json::array();
  for (const auto& c : cases) input.push_back({{"kind", "multiclass"}, {"logits", c.logits}, {"targets", c.targets}, {"k", c.k}});
  const auto answers = run_oracle(input)["cases"];
  ASSERT_EQ(answers.size(), cases.size());

  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    const auto& want = answers[i];
    SCOPED_TRACE(c.name);
    std::vector<std::string> names;
    for (int j = 0; j < c.classes; ++j) names.push_back("class" + std::to_string(j));
    ClassificationMetrics m(names, c.k);
    // Two batches, to go through the accumulation.
    std::vector<double> flat;
    for (const auto& row : c.logits) flat.insert(flat.end(), row.begin(), row.end());
    const auto n = static_cast<std::int64_t>(c.logits.size());
    const auto logits = torch::tensor(flat, torch::kDouble).reshape({n, c.classes});
    const auto targets = torch::tensor(c.targets, torch::kLong);
    m.update(logits.slice(0, 0, n / 3), targets.slice(0, 0, n / 3));
    m.update(logits.slice(0, n / 3), targets.slice(0, n / 3));

    note_deviation(expect_close(m.accuracy(), want["accuracy"].get<double>(), kTolerance, "accuracy"));
    note_deviation(expect_close(m.top_k_accuracy(), want["top_k_accuracy"].get<double>(), kTolerance, "top_k"));
    note_deviation(expect_close(m.mean_loss(), want["log_loss"].get<double>(), kTolerance, "log_loss"));
    EXPECT_EQ(nlohmann::json(m.confusion()), want["confusion"]);
    const auto rows = m.per_class();
    for (int k = 0; k < c.classes; ++k) {
      const std::string at = "[" + std::to_string(k) + "]";
      note_deviation(expect_close(rows[k].precision, want["precision"][k].get<double>(), kTolerance, "precision" + at));
      note_deviation(expect_close(rows[k].recall, want["recall"][k].get<double>(), kTolerance, "recall" + at));
      note_deviation(expect_close(rows[k].f1, want["f1"][k].get<double>(), kTolerance, "f1" + at));
      EXPECT_EQ(rows[k].support, want["support"][k].get<std::int64_t>());
    }
    note_deviation(expect_close(m.macro_precision(), want["macro_precision"].get<double>(), kTolerance, "macro P"));
    note_deviation(expect_close(m.macro_recall(), want["macro_recall"].get<double>(), kTolerance, "macro R"));
    note_deviation(expect_close(m.macro_f1(), want["macro_f1"].get<double>(), kTolerance, "macro F1"));
    note_deviation(expect_close(m.weighted_precision(), want["weighted_precision"].get<double>(), kTolerance, "weighted P"));
    note_deviation(expect_close(m.weighted_recall(), want["weighted_recall"].get<double>(), kTolerance, "weighted R"));
    note_deviation(expect_close(m.weighted_f1(), want["weighted_f1"].get<double>(), kTolerance, "weighted F1"));
  }
  // The zero-support class really is in the first case, with sklearn's zero_division=0 giving 0.
  EXPECT_EQ(answers[0]["support"][4], 0);
}

TEST_F(SklearnOracle, Binary) {
  const std::vector<BinaryCase> cases{
      tied_binary("ties, balanced", 400, 0.5, 21),
      tied_binary("ties, rare positives", 300, 0.1, 22),
      continuous_binary("continuous", 500, 23),
      BinaryCase{"one class: no positives", {0, 0, 0, 0, 0}, {0.125, 0.375, 0.375, 0.625, 0.875}, 0.375, 0.9, 15},
      BinaryCase{"one class: no negatives", {1, 1, 1, 1}, {0.125, 0.375, 0.375, 0.875}, 0.375, 0.9, 15},
  };
  nlohmann::json input = nlohmann::json::array();
  for (const auto& c : cases) {
    input.push_back({{"kind", "binary"}, {"labels", c.labels}, {"scores", c.scores}, {"threshold", c.threshold},
                     {"target", c.target}, {"bins", c.bins}});
  }
  const auto answers = run_oracle(input)["cases"];
  ASSERT_EQ(answers.size(), cases.size());

  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    const auto& want = answers[i];
    SCOPED_TRACE(c.name);
    const BinaryScores s(c.labels, c.scores);

    const auto roc = s.roc_curve();
    note_deviation(expect_close(roc.fpr, want["roc"]["fpr"], kTolerance, "roc fpr"));
    note_deviation(expect_close(roc.tpr, want["roc"]["tpr"], kTolerance, "roc tpr"));
    // The reference's first threshold is +inf, written as null: compare from the second on.
    ASSERT_EQ(roc.thresholds.size(), want["roc"]["thresholds"].size());
    EXPECT_TRUE(want["roc"]["thresholds"][0].is_null());
    EXPECT_TRUE(std::isinf(roc.thresholds[0]));
    for (std::size_t t = 1; t < roc.thresholds.size(); ++t) {
      EXPECT_EQ(roc.thresholds[t], want["roc"]["thresholds"][t].get<double>()) << t;  // the scores themselves
    }
    note_deviation(expect_close(s.roc_auc(), number(want["roc_auc"]), kTolerance, "roc_auc"));

    const auto pr = s.precision_recall_curve();
    note_deviation(expect_close(pr.precision, want["pr"]["precision"], kTolerance, "pr precision"));
    note_deviation(expect_close(pr.recall, want["pr"]["recall"], kTolerance, "pr recall"));
    note_deviation(expect_close(pr.thresholds, want["pr"]["thresholds"], 0.0, "pr thresholds"));
    if (s.positives() > 0) {
      note_deviation(expect_close(s.average_precision(), want["average_precision"].get<double>(), kTolerance, "AP"));
    } else {
      // Our documented difference: undefined (NaN, with a reason) where sklearn returns 0.
      EXPECT_TRUE(std::isnan(s.average_precision()));
      EXPECT_EQ(want["average_precision"].get<double>(), 0.0);
      EXPECT_NE(s.undefined_reason(), "");
    }

    const auto counts = s.at_threshold(c.threshold);
    const auto& at = want["at_threshold"];
    EXPECT_EQ(counts.tp, at["tp"].get<std::int64_t>());
    EXPECT_EQ(counts.fp, at["fp"].get<std::int64_t>());
    EXPECT_EQ(counts.tn, at["tn"].get<std::int64_t>());
    EXPECT_EQ(counts.fn, at["fn"].get<std::int64_t>());
    note_deviation(expect_close(counts.sensitivity(), at["sensitivity"].get<double>(), kTolerance, "sensitivity"));
    note_deviation(expect_close(counts.specificity(), at["specificity"].get<double>(), kTolerance, "specificity"));
    note_deviation(expect_close(counts.precision(), at["precision"].get<double>(), kTolerance, "precision"));

    const auto chosen = s.threshold_for_sensitivity(c.target);
    EXPECT_EQ(chosen.has_value(), want.contains("target_threshold"));
    if (chosen) EXPECT_EQ(*chosen, want["target_threshold"].get<double>());

    // calibration_curve lists the non-empty bins only.
    const auto table = calibration(c.scores, c.labels, c.bins).table;
    std::vector<double> observed, mean_value;
    for (const auto& bin : table) {
      if (bin.count == 0) continue;
      observed.push_back(bin.observed);
      mean_value.push_back(bin.mean_value);
    }
    note_deviation(expect_close(observed, want["calibration"]["prob_true"], kTolerance, "prob_true"));
    note_deviation(expect_close(mean_value, want["calibration"]["prob_pred"], kTolerance, "prob_pred"));
  }
  EXPECT_TRUE(std::isnan(BinaryScores(cases[3].labels, cases[3].scores).roc_auc()));
  EXPECT_TRUE(answers[3]["roc_auc"].is_null());  // sklearn agrees: NaN for one class
}

}  // namespace
}  // namespace tessera::metrics
