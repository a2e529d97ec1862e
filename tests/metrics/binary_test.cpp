#include "tessera/metrics/binary.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tessera/core/error.h"

namespace tessera::metrics {
namespace {

constexpr double kExact = 1e-12;
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Worked example: 4 positives, 4 negatives, two ties (0.7 and 0.2, each one of each class).
//   distinct score  0.9  0.8  0.7  0.6  0.3  0.2
//   tp (score >=)     1    1    2    3    3    4
//   fp (score >=)     0    1    2    2    3    4
// ROC AUC by Mann-Whitney: pairs (positive above negative) + ties/2 = (4 + 2.5 + 2 + 0.5) / 16 = 9/16.
// AP: recall steps of 1/4 at 0.9 (precision 1), 0.7 (2/4), 0.6 (3/5), 0.2 (4/8) -> 0.65.
BinaryScores example() {
  return BinaryScores({1, 0, 1, 0, 1, 0, 0, 1}, {0.9, 0.8, 0.7, 0.7, 0.6, 0.3, 0.2, 0.2});
}

void expect_vector(const std::vector<double>& actual, const std::vector<double>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t i = 0; i < actual.size(); ++i) {
    if (std::isnan(expected[i])) {
      EXPECT_TRUE(std::isnan(actual[i])) << i;
    } else if (std::isinf(expected[i])) {
      EXPECT_EQ(actual[i], expected[i]) << i;
    } else {
      EXPECT_NEAR(actual[i], expected[i], kExact) << i;
    }
  }
}

TEST(BinaryScores, RocCurveWithTies) {
  const auto s = example();
  EXPECT_EQ(s.positives(), 4);
  EXPECT_EQ(s.negatives(), 4);
  const auto roc = s.roc_curve();
  expect_vector(roc.fpr, {0, 0, 0.25, 0.5, 0.5, 0.75, 1});
  expect_vector(roc.tpr, {0, 0.25, 0.25, 0.5, 0.75, 0.75, 1});
  expect_vector(roc.thresholds, {kInf, 0.9, 0.8, 0.7, 0.6, 0.3, 0.2});
  EXPECT_NEAR(s.roc_auc(), 9.0 / 16.0, kExact);
  EXPECT_EQ(s.undefined_reason(), "");
}

TEST(BinaryScores, PrecisionRecallCurveAndAveragePrecision) {
  const auto s = example();
  const auto pr = s.precision_recall_curve();
  expect_vector(pr.thresholds, {0.2, 0.3, 0.6, 0.7, 0.8, 0.9});
  expect_vector(pr.precision, {0.5, 0.5, 0.6, 0.5, 0.5, 1.0, 1.0});
  expect_vector(pr.recall, {1.0, 0.75, 0.75, 0.5, 0.25, 0.25, 0.0});
  EXPECT_NEAR(s.average_precision(), 0.65, kExact);
}

TEST(BinaryScores, CountsAtThresholdUseGreaterOrEqual) {
  const auto s = example();
  // >= 0.7 takes both tied 0.7 samples: tp {0.9, 0.7}, fp {0.8, 0.7}, fn {0.6, 0.2}, tn {0.3, 0.2}.
  for (const double t : {0.7, 0.65}) {
    const auto c = s.at_threshold(t);
    EXPECT_EQ(c.threshold, t);
    EXPECT_EQ(c.tp, 2);
    EXPECT_EQ(c.fp, 2);
    EXPECT_EQ(c.tn, 2);
    EXPECT_EQ(c.fn, 2);
    EXPECT_NEAR(c.sensitivity(), 0.5, kExact);
    EXPECT_NEAR(c.specificity(), 0.5, kExact);
    EXPECT_NEAR(c.precision(), 0.5, kExact);
  }
  const auto all = s.at_threshold(0.0);
  EXPECT_EQ(all.tp + all.fp, 8);
  EXPECT_NEAR(all.sensitivity(), 1.0, kExact);
  EXPECT_EQ(all.specificity(), 0.0);
  const auto none = s.at_threshold(1.0);  // nothing predicted positive: precision 0/0 -> 0
  EXPECT_EQ(none.tp + none.fp, 0);
  EXPECT_EQ(none.precision(), 0.0);
  EXPECT_NEAR(none.specificity(), 1.0, kExact);
}

TEST(BinaryScores, ThresholdForTargetSensitivityIsTheHighestReachingIt) {
  const auto s = example();
  EXPECT_EQ(s.threshold_for_sensitivity(0.25), 0.9);
  EXPECT_EQ(s.threshold_for_sensitivity(0.26), 0.7);  // 0.8 adds a negative only
  EXPECT_EQ(s.threshold_for_sensitivity(0.5), 0.7);
  EXPECT_EQ(s.threshold_for_sensitivity(0.75), 0.6);
  EXPECT_EQ(s.threshold_for_sensitivity(0.95), 0.2);
  EXPECT_EQ(s.threshold_for_sensitivity(1.0), 0.2);
  // And the chosen threshold does reach the target, while the next higher score does not.
  EXPECT_GE(s.at_threshold(*s.threshold_for_sensitivity(0.75)).sensitivity(), 0.75);
  EXPECT_LT(s.at_threshold(0.7).sensitivity(), 0.75);
  EXPECT_THROW(s.threshold_for_sensitivity(0.0), UserError);
  EXPECT_THROW(s.threshold_for_sensitivity(1.5), UserError);
}

TEST(BinaryScores, NoPositivesLeavesAucAndApUndefined) {
  const BinaryScores s({0, 0, 0}, {0.1, 0.5, 0.5});
  EXPECT_TRUE(std::isnan(s.roc_auc()));
  EXPECT_TRUE(std::isnan(s.average_precision()));
  EXPECT_NE(s.undefined_reason().find("no positive samples"), std::string::npos);
  EXPECT_FALSE(s.threshold_for_sensitivity(0.9).has_value());
  const auto roc = s.roc_curve();
  expect_vector(roc.fpr, {0, 2.0 / 3.0, 1.0});
  expect_vector(roc.tpr, {kNaN, kNaN, kNaN});  // as sklearn: the rate has no denominator
  const auto c = s.at_threshold(0.5);
  EXPECT_EQ(c.fp, 2);
  EXPECT_EQ(c.sensitivity(), 0.0);
  const auto j = to_json(roc);
  EXPECT_TRUE(j["tpr"][1].is_null());
  EXPECT_TRUE(j["thresholds"][0].is_null());  // +inf
}

TEST(BinaryScores, NoNegativesLeavesAucUndefinedButApIsOne) {
  const BinaryScores s({1, 1, 1}, {0.1, 0.5, 0.5});
  EXPECT_TRUE(std::isnan(s.roc_auc()));
  EXPECT_NEAR(s.average_precision(), 1.0, kExact);
  EXPECT_NE(s.undefined_reason().find("no negative samples"), std::string::npos);
  EXPECT_EQ(s.threshold_for_sensitivity(0.9), 0.1);
  expect_vector(s.roc_curve().fpr, {kNaN, kNaN, kNaN});
}

TEST(BinaryScores, EmptyInput) {
  const BinaryScores s({}, {});
  EXPECT_EQ(s.size(), 0);
  EXPECT_TRUE(std::isnan(s.roc_auc()));
  EXPECT_TRUE(std::isnan(s.average_precision()));
  EXPECT_NE(s.undefined_reason(), "");
  EXPECT_EQ(s.roc_curve().thresholds.size(), 1u);
  EXPECT_EQ(s.precision_recall_curve().precision.size(), 1u);
}

TEST(BinaryScores, PerfectAndReversedRanking) {
  const BinaryScores perfect({0, 0, 1, 1}, {0.1, 0.2, 0.8, 0.9});
  EXPECT_NEAR(perfect.roc_auc(), 1.0, kExact);
  EXPECT_NEAR(perfect.average_precision(), 1.0, kExact);
  const BinaryScores reversed({1, 1, 0, 0}, {0.1, 0.2, 0.8, 0.9});
  EXPECT_NEAR(reversed.roc_auc(), 0.0, kExact);
  // recall 1/2 at precision 1/3, then 1 at 2/4.
  EXPECT_NEAR(reversed.average_precision(), 0.5 / 3.0 + 0.5 * 0.5, kExact);
  const BinaryScores constant({1, 0, 1, 0}, {0.5, 0.5, 0.5, 0.5});
  EXPECT_NEAR(constant.roc_auc(), 0.5, kExact);
  EXPECT_NEAR(constant.average_precision(), 0.5, kExact);
}

TEST(BinaryScores, RejectsBadInput) {
  EXPECT_THROW(BinaryScores({0, 1}, {0.5}), UserError);
  EXPECT_THROW(BinaryScores({0, 2}, {0.5, 0.5}), UserError);
  EXPECT_THROW(BinaryScores({0, 1}, {0.5, kNaN}), UserError);
  EXPECT_THROW(BinaryScores({0, 1}, {0.5, kInf}), UserError);
}

TEST(BinaryScores, ThinKeepsEndPointsAndCapsLength) {
  std::vector<int> labels;
  std::vector<double> scores;
  for (int i = 0; i < 5000; ++i) {
    labels.push_back(i % 3 == 0 ? 1 : 0);
    scores.push_back(static_cast<double>((i * 7919) % 5000) / 5000.0);
  }
  const BinaryScores s(labels, scores);
  const auto roc = s.roc_curve();
  ASSERT_EQ(roc.fpr.size(), 5001u);
  const auto small = thin(roc, 1000);
  ASSERT_EQ(small.fpr.size(), 1000u);
  EXPECT_EQ(small.thresholds.front(), kInf);
  EXPECT_EQ(small.fpr.back(), 1.0);
  EXPECT_EQ(small.tpr.back(), 1.0);
  for (std::size_t i = 1; i < small.fpr.size(); ++i) {
    EXPECT_LT(small.thresholds[i], small.thresholds[i - 1]);  // strictly fewer, still in order
    EXPECT_GE(small.tpr[i], small.tpr[i - 1]);
  }
  const auto pr = thin(s.precision_recall_curve(), 1000);
  ASSERT_EQ(pr.precision.size(), 1000u);
  EXPECT_EQ(pr.thresholds.size(), 999u);
  EXPECT_EQ(pr.recall.back(), 0.0);
  EXPECT_EQ(pr.precision.back(), 1.0);
  EXPECT_NEAR(pr.recall.front(), 1.0, kExact);
  const auto untouched = thin(example().roc_curve(), 1000);
  EXPECT_EQ(untouched.fpr, example().roc_curve().fpr);
  EXPECT_THROW(thin(roc, 1), UserError);
  EXPECT_THROW(thin(s.precision_recall_curve(), 2), UserError);
}

TEST(BinaryScores, ToJson) {
  const auto s = example();
  const auto counts = to_json(s.at_threshold(0.7));
  EXPECT_EQ(counts["threshold"], 0.7);
  EXPECT_EQ(counts["tp"], 2);
  EXPECT_EQ(counts["fn"], 2);
  EXPECT_NEAR(counts["sensitivity"].get<double>(), 0.5, kExact);
  EXPECT_EQ(counts.size(), 8u);
  const auto pr = to_json(s.precision_recall_curve());
  EXPECT_EQ(pr["precision"].size(), 7u);
  EXPECT_EQ(pr["thresholds"].size(), 6u);
  const auto roc = to_json(s.roc_curve());
  EXPECT_EQ(roc["fpr"].size(), 7u);
  EXPECT_EQ(nlohmann::json::parse(roc.dump()), roc);  // null, not an unparseable inf
}

}  // namespace
}  // namespace tessera::metrics
