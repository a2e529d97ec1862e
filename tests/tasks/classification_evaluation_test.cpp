#include "tessera/tasks/classification_evaluation.h"

#include <gtest/gtest.h>

#include <cmath>

#include "tessera/core/error.h"

namespace tessera::tasks {
namespace {

constexpr double kExact = 1e-12;

// Five samples of a two-class run; logits (0, ln(p / (1 - p))) give p(class 1) = p exactly enough.
//   index  target  p(1)   predicted            confidence  p(true)
//     10     1     0.9    1 right              0.9         0.9
//     11     0     0.75   1 wrong              0.75        0.25
//     12     1     0.25   0 wrong              0.75        0.25
//     13     0     0.1    0 right              0.9         0.9
//     14     1     0.5    0 wrong (tie: first) 0.5         0.5
torch::Tensor logits_for(const std::vector<double>& p1) {
  std::vector<double> flat;
  for (double p : p1) {
    flat.push_back(0.0);
    flat.push_back(std::log(p / (1.0 - p)));
  }
  return torch::tensor(flat, torch::kDouble).reshape({static_cast<std::int64_t>(p1.size()), 2});
}

const std::vector<double> kP1{0.9, 0.75, 0.25, 0.1, 0.5};

config::EvalConfig eval_config() {
  config::EvalConfig c;
  c.calibration_bins = 5;
  return c;
}

ClassificationEvaluation two_class(const config::EvalConfig& config = eval_config(), bool with_indices = true) {
  ClassificationEvaluation e({"cat", "dog"}, config);
  const auto logits = logits_for(kP1).to(torch::kFloat);  // float, as the network gives them
  const auto targets = torch::tensor({1, 0, 1, 0, 1}, torch::kLong);
  const auto indices = torch::tensor({10, 11, 12, 13, 14}, torch::kLong);
  e.update(logits.slice(0, 0, 2), targets.slice(0, 0, 2), with_indices ? indices.slice(0, 0, 2) : torch::Tensor());
  e.update(logits.slice(0, 2), targets.slice(0, 2), with_indices ? indices.slice(0, 2) : torch::Tensor());
  return e;
}

TEST(ClassificationEvaluation, RecordsEachSample) {
  const auto e = two_class();
  ASSERT_EQ(e.records().size(), 5u);
  const int predicted[] = {1, 1, 0, 0, 0};
  const double confidence[] = {0.9, 0.75, 0.75, 0.9, 0.5};
  const double true_probability[] = {0.9, 0.25, 0.25, 0.9, 0.5};
  for (std::size_t i = 0; i < 5; ++i) {
    SCOPED_TRACE(i);
    const auto& r = e.records()[i];
    EXPECT_EQ(r.index, static_cast<std::int64_t>(10 + i));
    EXPECT_EQ(r.predicted, predicted[i]);
    EXPECT_NEAR(r.confidence, confidence[i], 1e-6);  // float logits
    EXPECT_NEAR(r.true_probability, true_probability[i], 1e-6);
    EXPECT_NEAR(r.positive_probability, kP1[i], 1e-6);
  }
  EXPECT_EQ(e.positive_index(), 1);
  EXPECT_NEAR(e.value("accuracy"), 0.4, kExact);
  // The confusion matrix counts the same predicted classes as the records.
  EXPECT_EQ(e.metrics().confusion(), (std::vector<std::vector<std::int64_t>>{{1, 1}, {2, 1}}));
}

// Two ranks, each with every other sample (as data::shard deals them), share their partial
// evaluations; the combined one reports what one pass over all five samples reports.
TEST(ClassificationEvaluation, SharesOfShardsCombineIntoTheWholeEvaluation) {
  const auto whole = two_class();
  const auto logits = logits_for(kP1).to(torch::kFloat);
  const auto targets = torch::tensor({1, 0, 1, 0, 1}, torch::kLong);
  const auto indices = torch::tensor({10, 11, 12, 13, 14}, torch::kLong);
  std::vector<EvaluationShare> shares;
  for (const auto& rows : {torch::tensor({0, 2, 4}), torch::tensor({1, 3})}) {
    ClassificationEvaluation rank({"cat", "dog"}, eval_config());
    rank.update(logits.index_select(0, rows), targets.index_select(0, rows), indices.index_select(0, rows));
    shares.push_back(rank.share());
  }
  EvaluationShare combined{shares[0].sums, torch::cat({shares[0].rows, shares[1].rows})};
  for (std::size_t i = 0; i < combined.sums.size(); ++i) combined.sums[i] += shares[1].sums[i];

  ClassificationEvaluation adopted({"cat", "dog"}, eval_config());
  adopted.adopt(combined);
  ASSERT_EQ(adopted.records().size(), 5u);
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(adopted.records()[i].index, static_cast<std::int64_t>(10 + i));
  nlohmann::json expected = whole.report(), actual = adopted.report();
  EXPECT_NEAR(actual["loss"].get<double>(), expected["loss"].get<double>(), kExact);  // summation order
  expected.erase("loss");
  actual.erase("loss");
  EXPECT_EQ(actual, expected);  // counts, curves, calibration, mistakes: identical
  EXPECT_EQ(adopted.artifacts(), whole.artifacts());
}

TEST(ClassificationEvaluation, AdoptRejectsAShareOfAnotherShape) {
  auto e = two_class();
  const auto good = e.share();
  EXPECT_THROW(e.adopt({good.sums, good.rows.narrow(1, 0, 5)}), UserError);      // columns
  EXPECT_THROW(e.adopt({good.sums, good.rows.narrow(0, 0, 4)}), UserError);      // 4 records, 5 counted
  EXPECT_THROW(e.adopt({std::vector<double>(3, 0.0), good.rows}), UserError);    // totals of another size
  auto bad_class = good.rows.clone();
  bad_class[0][1] = 7;
  EXPECT_THROW(e.adopt({good.sums, bad_class}), UserError);
  EXPECT_EQ(e.records().size(), 5u);  // unchanged
}

TEST(ClassificationEvaluation, ReportHoldsTheContractKeys) {
  const auto report = two_class().report();
  EXPECT_EQ(report["task"], "classification");
  for (const char* key : {"count", "accuracy", "macro_precision", "macro_recall", "weighted_precision",
                          "weighted_recall", "calibration", "binary", "mistakes", "per_class", "confusion"}) {
    EXPECT_TRUE(report.contains(key)) << key;
  }
  // Calibration, 5 bins: {0.9, 0.9} right -> gap 0.1; {0.75, 0.75} wrong -> 0.75; {0.5} wrong -> 0.5.
  // ECE (2 * 0.1 + 2 * 0.75 + 0.5) / 5 = 0.44, MCE 0.75.
  const auto& calibration = report["calibration"];
  EXPECT_EQ(calibration["bins"], 5);
  EXPECT_NEAR(calibration["ece"].get<double>(), 0.44, 1e-6);
  EXPECT_NEAR(calibration["mce"].get<double>(), 0.75, 1e-6);
  ASSERT_EQ(calibration["table"].size(), 5u);
  EXPECT_EQ(calibration["table"][3]["count"], 2);
  EXPECT_NEAR(calibration["table"][3]["accuracy"].get<double>(), 0.0, kExact);
  EXPECT_TRUE(calibration["table"][0]["confidence"].is_null());
}

TEST(ClassificationEvaluation, BinarySectionForTheSecondClass) {
  const auto binary = two_class().report()["binary"];
  EXPECT_EQ(binary["positive_class"], "dog");
  EXPECT_EQ(binary["positive_index"], 1);
  // Positives score 0.9, 0.25, 0.5; negatives 0.75, 0.1: 4 of 6 pairs ordered -> AUC 2/3.
  EXPECT_NEAR(binary["roc_auc"].get<double>(), 2.0 / 3.0, kExact);
  // AP: 0.9 (P 1, R 1/3), 0.75 (P 1/2), 0.5 (P 2/3, R 2/3), 0.25 (P 3/4, R 1) -> (1 + 2/3 + 3/4) / 3.
  EXPECT_NEAR(binary["pr_auc"].get<double>(), (1.0 + 2.0 / 3.0 + 0.75) / 3.0, kExact);
  EXPECT_EQ(binary["roc_curve"]["fpr"].size(), 6u);
  EXPECT_TRUE(binary["roc_curve"]["thresholds"][0].is_null());  // +inf
  EXPECT_EQ(binary["pr_curve"]["precision"].size(), 6u);
  // At 0.5 (score >= threshold): 0.9 and 0.5 are true positives, 0.75 a false positive.
  const auto& at = binary["at_threshold"];
  EXPECT_EQ(at["threshold"], 0.5);
  EXPECT_EQ(at["tp"], 2);
  EXPECT_EQ(at["fp"], 1);
  EXPECT_EQ(at["tn"], 1);
  EXPECT_EQ(at["fn"], 1);
  EXPECT_NEAR(at["sensitivity"].get<double>(), 2.0 / 3.0, kExact);
  EXPECT_NEAR(at["specificity"].get<double>(), 0.5, kExact);
  EXPECT_NEAR(at["precision"].get<double>(), 2.0 / 3.0, kExact);
  // Sensitivity 0.95 needs all three positives: the lowest positive score, 0.25.
  const auto& target = binary["at_target_sensitivity"];
  EXPECT_EQ(target["target"], 0.95);
  EXPECT_NEAR(target["threshold"].get<double>(), 0.25, 1e-6);
  EXPECT_EQ(target["tp"], 3);
  EXPECT_EQ(target["fp"], 1);
  EXPECT_NEAR(target["sensitivity"].get<double>(), 1.0, kExact);
  EXPECT_FALSE(binary.contains("undefined_reason"));
}

TEST(ClassificationEvaluation, PositiveClassByName) {
  auto config = eval_config();
  config.positive_class = "cat";
  const auto binary = two_class(config).report()["binary"];
  EXPECT_EQ(binary["positive_class"], "cat");
  EXPECT_EQ(binary["positive_index"], 0);
  EXPECT_NEAR(binary["roc_auc"].get<double>(), 2.0 / 3.0, kExact);  // AUC is symmetric
  // p(cat) = 0.1, 0.25, 0.75, 0.9, 0.5 with cats at 0.25 and 0.9: >= 0.5 takes 0.75, 0.9, 0.5.
  EXPECT_EQ(binary["at_threshold"]["tp"], 1);
  EXPECT_EQ(binary["at_threshold"]["fp"], 2);
  EXPECT_EQ(binary["at_threshold"]["fn"], 1);
  EXPECT_EQ(binary["at_threshold"]["tn"], 1);

  config.positive_class = "bird";
  try {
    ClassificationEvaluation({"cat", "dog"}, config);
    FAIL() << "no error";
  } catch (const UserError& error) {
    EXPECT_STREQ(error.what(), "eval.positive_class 'bird' is not one of the run's classes (cat, dog)");
  }
}

TEST(ClassificationEvaluation, MistakesMostConfidentFirst) {
  const auto mistakes = two_class().report()["mistakes"];
  ASSERT_EQ(mistakes.size(), 3u);
  // 0.75 twice (dataset order breaks the tie), then 0.5.
  EXPECT_EQ(mistakes[0]["index"], 11);
  EXPECT_EQ(mistakes[0]["true"], "cat");
  EXPECT_EQ(mistakes[0]["predicted"], "dog");
  EXPECT_NEAR(mistakes[0]["confidence"].get<double>(), 0.75, 1e-6);
  EXPECT_NEAR(mistakes[0]["true_probability"].get<double>(), 0.25, 1e-6);
  EXPECT_EQ(mistakes[1]["index"], 12);
  EXPECT_EQ(mistakes[2]["index"], 14);
  EXPECT_FALSE(mistakes[0].contains("reference"));  // the evaluator adds it from the dataset

  auto config = eval_config();
  config.mistakes = 2;
  EXPECT_EQ(two_class(config).report()["mistakes"].size(), 2u);
  config.mistakes = 0;
  EXPECT_TRUE(two_class(config).report()["mistakes"].empty());
  // Without dataset indices (e.g. the trainer's passes) there is nothing to name.
  EXPECT_FALSE(two_class(eval_config(), false).report().contains("mistakes"));
}

TEST(ClassificationEvaluation, OneClassPresentLeavesAucUndefined) {
  ClassificationEvaluation e({"cat", "dog"}, eval_config());
  e.update(logits_for({0.2, 0.7}), torch::tensor({0, 0}, torch::kLong), torch::tensor({0, 1}, torch::kLong));
  const auto binary = e.report()["binary"];
  EXPECT_TRUE(binary["roc_auc"].is_null());
  EXPECT_TRUE(binary["pr_auc"].is_null());
  EXPECT_NE(binary["undefined_reason"].get<std::string>().find("no positive samples"), std::string::npos);
  EXPECT_TRUE(binary["at_target_sensitivity"]["threshold"].is_null());
  EXPECT_EQ(binary["at_threshold"]["fp"], 1);
  EXPECT_EQ(nlohmann::json::parse(e.report().dump()).size(), e.report().size());  // valid JSON throughout
}

TEST(ClassificationEvaluation, ThreeClassesHaveNoBinarySection) {
  auto config = eval_config();
  config.positive_class = "dog";  // a valid name; ignored beyond two classes
  ClassificationEvaluation e({"cat", "dog", "bird"}, config);
  e.update(torch::tensor({{2.0, 1.0, 0.0}, {0.0, 1.0, 3.0}}), torch::tensor({0, 1}, torch::kLong),
           torch::tensor({0, 1}, torch::kLong));
  EXPECT_EQ(e.positive_index(), -1);
  const auto report = e.report();
  EXPECT_FALSE(report.contains("binary"));
  EXPECT_EQ(report["mistakes"].size(), 1u);
  EXPECT_TRUE(std::isnan(e.records()[0].positive_probability));
}

TEST(ClassificationEvaluation, RejectsIndicesOfAnotherLength) {
  ClassificationEvaluation e({"cat", "dog"}, eval_config());
  EXPECT_THROW(e.update(logits_for({0.2, 0.7}), torch::tensor({0, 1}, torch::kLong), torch::tensor({0}, torch::kLong)),
               UserError);
  EXPECT_EQ(e.count(), 0);
  EXPECT_TRUE(e.records().empty());
}

}  // namespace
}  // namespace tessera::tasks
