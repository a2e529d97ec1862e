#include "tessera/metrics/classification.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tessera/core/error.h"

namespace tessera::metrics {
namespace {

constexpr double kExact = 1e-12;

// Worked example, 3 classes, 10 samples. Each row is annotated with its target, its argmax and the
// target's rank (0 = top-1, 1 = second, 2 = third), so top-1 / top-2 follow by counting.
//
//   confusion [true][pred]        pred: cat dog bird   support
//     cat                                2   1   1         4
//     dog                                1   2   0         3
//     bird                               0   1   2         3
//   predicted totals                     3   4   3        10
//
//   cat : tp 2 fp 1 fn 2 -> P 2/3, R 2/4, F1 2*2/(4+1+2) = 4/7
//   dog : tp 2 fp 2 fn 1 -> P 2/4, R 2/3, F1 4/(4+2+1)   = 4/7
//   bird: tp 2 fp 1 fn 1 -> P 2/3, R 2/3, F1 4/(4+1+1)   = 2/3
//   accuracy 6/10; macro F1 (4/7 + 4/7 + 2/3)/3 = 38/63; weighted F1 (4*4/7 + 3*4/7 + 3*2/3)/10 = 0.6
//   top-2: ranks 0,0,1,2,0,0,2,0,1,0 -> 8 of 10 hits; top-3 -> 10 of 10.
torch::Tensor example_logits() {
  return torch::tensor({{2.0, 1.0, 0.0},    // t cat  p cat  rank 0
                        {1.5, 0.5, 1.0},    // t cat  p cat  rank 0
                        {1.0, 2.0, 0.0},    // t cat  p dog  rank 1
                        {0.0, 1.0, 3.0},    // t cat  p bird rank 2
                        {0.0, 2.0, 1.0},    // t dog  p dog  rank 0
                        {0.5, 0.7, 0.1},    // t dog  p dog  rank 0
                        {3.0, 0.0, 1.0},    // t dog  p cat  rank 2
                        {0.2, 0.1, 0.9},    // t bird p bird rank 0
                        {0.0, 2.0, 1.0},    // t bird p dog  rank 1
                        {1.0, 0.0, 2.5}},   // t bird p bird rank 0
                       torch::kFloat);
}

torch::Tensor example_targets() {
  return torch::tensor({0, 0, 0, 0, 1, 1, 1, 2, 2, 2}, torch::kLong);
}

std::vector<std::string> example_names() { return {"cat", "dog", "bird"}; }

ClassificationMetrics example_metrics(int top_k) {
  ClassificationMetrics m(example_names(), top_k);
  m.update(example_logits(), example_targets());
  return m;
}

TEST(ClassificationMetrics, WorkedExampleConfusionAndAccuracy) {
  const auto m = example_metrics(2);
  EXPECT_EQ(m.count(), 10);
  const std::vector<std::vector<std::int64_t>> expected{{2, 1, 1}, {1, 2, 0}, {0, 1, 2}};
  EXPECT_EQ(m.confusion(), expected);
  EXPECT_NEAR(m.accuracy(), 0.6, kExact);
  EXPECT_NEAR(m.top_k_accuracy(), 0.8, kExact);
  EXPECT_EQ(m.effective_top_k(), 2);
}

TEST(ClassificationMetrics, WorkedExamplePerClassAndAverages) {
  const auto m = example_metrics(2);
  const auto rows = m.per_class();
  ASSERT_EQ(rows.size(), 3u);
  const double precision[] = {2.0 / 3.0, 2.0 / 4.0, 2.0 / 3.0};
  const double recall[] = {2.0 / 4.0, 2.0 / 3.0, 2.0 / 3.0};
  const double f1[] = {4.0 / 7.0, 4.0 / 7.0, 2.0 / 3.0};
  const std::int64_t support[] = {4, 3, 3};
  for (std::size_t k = 0; k < 3; ++k) {
    SCOPED_TRACE(rows[k].name);
    EXPECT_EQ(rows[k].name, example_names()[k]);
    EXPECT_NEAR(rows[k].precision, precision[k], kExact);
    EXPECT_NEAR(rows[k].recall, recall[k], kExact);
    EXPECT_NEAR(rows[k].f1, f1[k], kExact);
    // F1 is also the harmonic mean of P and R wherever both are defined.
    EXPECT_NEAR(rows[k].f1, 2 * precision[k] * recall[k] / (precision[k] + recall[k]), kExact);
    EXPECT_EQ(rows[k].support, support[k]);
  }
  EXPECT_NEAR(m.macro_f1(), 38.0 / 63.0, kExact);
  EXPECT_NEAR(m.weighted_f1(), 0.6, kExact);
  // macro P (2/3 + 1/2 + 2/3)/3 = 11/18; macro R (1/2 + 2/3 + 2/3)/3 = 11/18;
  // weighted P (4*2/3 + 3*1/2 + 3*2/3)/10 = 37/60; weighted R (2 + 2 + 2)/10 = accuracy.
  EXPECT_NEAR(m.macro_precision(), 11.0 / 18.0, kExact);
  EXPECT_NEAR(m.macro_recall(), 11.0 / 18.0, kExact);
  EXPECT_NEAR(m.weighted_precision(), 37.0 / 60.0, kExact);
  EXPECT_NEAR(m.weighted_recall(), 0.6, kExact);
}

TEST(ClassificationMetrics, TopKIsCappedAtNumberOfClasses) {
  const auto m = example_metrics(5);  // the default; C = 3
  EXPECT_EQ(m.effective_top_k(), 3);
  EXPECT_NEAR(m.top_k_accuracy(), 1.0, kExact);
  EXPECT_EQ(m.to_json()["top_k"], 3);
  const auto top1 = example_metrics(1);
  EXPECT_NEAR(top1.top_k_accuracy(), top1.accuracy(), kExact);
}

TEST(ClassificationMetrics, TiesBreakTowardLowerClassIndex) {
  // Ordering is (score descending, class index ascending); argmax is the first maximum.
  const auto logits = torch::tensor({{1.0, 1.0, 0.0},    // t1: pred 0; rank 1 -> top-2 hit
                                     {1.0, 1.0, 1.0},    // t2: pred 0; rank 2 -> top-3 hit only
                                     {0.0, 2.0, 2.0},    // t1: pred 1; rank 0
                                     {0.0, 2.0, 2.0},    // t2: pred 1; rank 1 -> top-2 hit
                                     {5.0, 5.0, 5.0}},   // t0: pred 0; rank 0
                                    torch::kFloat);
  const auto targets = torch::tensor({1, 2, 1, 2, 0}, torch::kLong);
  for (int k = 1; k <= 3; ++k) {
    ClassificationMetrics m(example_names(), k);
    m.update(logits, targets);
    SCOPED_TRACE(k);
    const double expected[] = {2.0 / 5.0, 4.0 / 5.0, 5.0 / 5.0};
    EXPECT_NEAR(m.top_k_accuracy(), expected[k - 1], kExact);
    EXPECT_NEAR(m.accuracy(), 2.0 / 5.0, kExact);
    // The confusion matrix uses the same predicted class as torch::argmax.
    const auto pred = logits.argmax(1);
    for (std::int64_t i = 0; i < 5; ++i) {
      EXPECT_GE(m.confusion()[targets[i].item<std::int64_t>()][pred[i].item<std::int64_t>()], 1);
    }
    const std::vector<std::vector<std::int64_t>> expected_confusion{{1, 0, 0}, {1, 1, 0}, {1, 1, 0}};
    EXPECT_EQ(m.confusion(), expected_confusion);
  }
}

TEST(ClassificationMetrics, LossMatchesTorchCrossEntropy) {
  const auto m = example_metrics(2);
  const double expected =
      torch::nn::functional::cross_entropy(example_logits(), example_targets()).item<double>();
  EXPECT_NEAR(m.mean_loss(), expected, 1e-6);

  // And a hand value: equal logits over 2 classes give ln 2; logits (0, ln 3) with target 1 give
  // -log(3/4). Mean = (ln 2 + ln(4/3)) / 2.
  ClassificationMetrics two({"a", "b"});
  two.update(torch::tensor({{0.0, 0.0}, {0.0, std::log(3.0)}}, torch::kDouble),
             torch::tensor({0, 1}, torch::kLong));
  EXPECT_NEAR(two.mean_loss(), (std::log(2.0) + std::log(4.0 / 3.0)) / 2.0, kExact);
}

TEST(ClassificationMetrics, LossMatchesTorchOnRandomBatches) {
  torch::manual_seed(7);
  ClassificationMetrics m({"a", "b", "c", "d", "e", "f", "g"}, 3);
  std::vector<torch::Tensor> all_logits, all_targets;
  for (int batch = 0; batch < 4; ++batch) {
    auto logits = torch::randn({16 + batch, 7}) * 3;
    auto targets = torch::randint(0, 7, {16 + batch}, torch::kLong);
    m.update(logits, targets);
    all_logits.push_back(logits);
    all_targets.push_back(targets);
  }
  const auto logits = torch::cat(all_logits);
  const auto targets = torch::cat(all_targets);
  EXPECT_EQ(m.count(), logits.size(0));
  EXPECT_NEAR(m.mean_loss(),
              torch::nn::functional::cross_entropy(logits, targets).item<double>(), 1e-6);
  EXPECT_NEAR(m.accuracy(), logits.argmax(1).eq(targets).to(torch::kDouble).mean().item<double>(),
              kExact);
  // No ties in continuous random data, so torch::topk is an oracle for top-k here.
  const auto topk = std::get<1>(logits.topk(3, 1));
  const double topk_acc =
      topk.eq(targets.unsqueeze(1)).any(1).to(torch::kDouble).mean().item<double>();
  EXPECT_NEAR(m.top_k_accuracy(), topk_acc, kExact);
}

TEST(ClassificationMetrics, MergeEqualsSingleAccumulation) {
  const auto single = example_metrics(2);
  const auto logits = example_logits();
  const auto targets = example_targets();

  ClassificationMetrics shard_a(example_names(), 2), shard_b(example_names(), 2);
  shard_a.update(logits.slice(0, 0, 3), targets.slice(0, 0, 3));
  shard_b.update(logits.slice(0, 3, 7), targets.slice(0, 3, 7));
  shard_b.update(logits.slice(0, 7, 10), targets.slice(0, 7, 10));
  ClassificationMetrics empty(example_names(), 2);
  shard_a.merge(shard_b);
  shard_a.merge(empty);

  EXPECT_EQ(shard_a.count(), single.count());
  EXPECT_EQ(shard_a.confusion(), single.confusion());
  EXPECT_EQ(shard_a.accuracy(), single.accuracy());
  EXPECT_EQ(shard_a.top_k_accuracy(), single.top_k_accuracy());
  EXPECT_NEAR(shard_a.mean_loss(), single.mean_loss(), kExact);  // summation order differs
  EXPECT_EQ(shard_a.macro_f1(), single.macro_f1());
  EXPECT_EQ(shard_a.weighted_f1(), single.weighted_f1());
}

// Sharded evaluation adds the totals of each rank element-wise (a c10d all-reduce does exactly that).
TEST(ClassificationMetrics, SummedTotalsEqualSingleAccumulation) {
  const auto single = example_metrics(2);
  const auto logits = example_logits();
  const auto targets = example_targets();
  ClassificationMetrics shard_a(example_names(), 2), shard_b(example_names(), 2);
  shard_a.update(logits.slice(0, 0, 4), targets.slice(0, 0, 4));
  shard_b.update(logits.slice(0, 4), targets.slice(0, 4));
  std::vector<double> sums = shard_a.totals();
  const std::vector<double> b = shard_b.totals();
  ASSERT_EQ(sums.size(), 3u * 3u + 3u);
  for (std::size_t i = 0; i < sums.size(); ++i) sums[i] += b[i];

  ClassificationMetrics whole(example_names(), 2);
  whole.set_totals(sums);
  EXPECT_EQ(whole.count(), single.count());
  EXPECT_EQ(whole.confusion(), single.confusion());
  EXPECT_EQ(whole.top_k_accuracy(), single.top_k_accuracy());
  EXPECT_EQ(whole.macro_f1(), single.macro_f1());
  EXPECT_NEAR(whole.mean_loss(), single.mean_loss(), kExact);  // summation order differs
  EXPECT_EQ(single.totals().size(), sums.size());
}

TEST(ClassificationMetrics, SetTotalsRejectsWhatIsNotACount) {
  ClassificationMetrics m(example_names(), 2);
  const auto before = example_metrics(2);
  m.merge(before);
  std::vector<double> good = m.totals();
  EXPECT_THROW(m.set_totals(std::vector<double>(good.begin(), good.end() - 1)), UserError);  // length
  auto fractional = good;
  fractional[0] = 0.5;
  EXPECT_THROW(m.set_totals(fractional), UserError);
  auto negative = good;
  negative[9] = -1;  // the count
  EXPECT_THROW(m.set_totals(negative), UserError);
  EXPECT_EQ(m.totals(), good);  // unchanged by the rejected calls
}

TEST(ClassificationMetrics, MergeRejectsDifferentSetup) {
  ClassificationMetrics m(example_names(), 2);
  EXPECT_THROW(m.merge(ClassificationMetrics(example_names(), 3)), UserError);
  EXPECT_THROW(m.merge(ClassificationMetrics({"cat", "dog", "fish"}, 2)), UserError);
}

TEST(ClassificationMetrics, ZeroDivisionGivesZero) {
  // targets (0, 1, 0), all predicted 0; class 2 never occurs and is never predicted.
  //   class 0: tp 2 fp 1 fn 0 -> P 2/3, R 1, F1 4/5
  //   class 1: tp 0 fp 0 fn 1 -> P 0/0 -> 0, R 0, F1 0
  //   class 2: nothing        -> 0, 0, 0 (support 0)
  // macro (4/5 + 0 + 0)/3; weighted (2 * 4/5)/3.
  ClassificationMetrics m(example_names(), 1);
  m.update(torch::tensor({{1.0, 0.0, 0.0}, {1.0, 0.0, 0.0}, {1.0, 0.0, 0.0}}),
           torch::tensor({0, 1, 0}, torch::kLong));
  const auto rows = m.per_class();
  EXPECT_NEAR(rows[0].precision, 2.0 / 3.0, kExact);
  EXPECT_NEAR(rows[0].recall, 1.0, kExact);
  EXPECT_NEAR(rows[0].f1, 0.8, kExact);
  for (std::size_t k : {1u, 2u}) {
    EXPECT_EQ(rows[k].precision, 0.0);
    EXPECT_EQ(rows[k].recall, 0.0);
    EXPECT_EQ(rows[k].f1, 0.0);
  }
  EXPECT_EQ(rows[2].support, 0);
  EXPECT_NEAR(m.macro_f1(), 0.8 / 3.0, kExact);
  EXPECT_NEAR(m.weighted_f1(), 1.6 / 3.0, kExact);
  // macro P (2/3)/3, macro R 1/3; weighted P (2 * 2/3)/3, weighted R (2 * 1)/3.
  EXPECT_NEAR(m.macro_precision(), 2.0 / 9.0, kExact);
  EXPECT_NEAR(m.macro_recall(), 1.0 / 3.0, kExact);
  EXPECT_NEAR(m.weighted_precision(), 4.0 / 9.0, kExact);
  EXPECT_NEAR(m.weighted_recall(), 2.0 / 3.0, kExact);
}

TEST(ClassificationMetrics, EmptyAccumulatorIsAllZero) {
  ClassificationMetrics m(example_names());
  m.update(torch::zeros({0, 3}), torch::zeros({0}, torch::kLong));
  EXPECT_EQ(m.count(), 0);
  EXPECT_EQ(m.accuracy(), 0.0);
  EXPECT_EQ(m.top_k_accuracy(), 0.0);
  EXPECT_EQ(m.mean_loss(), 0.0);
  EXPECT_EQ(m.macro_f1(), 0.0);
  EXPECT_EQ(m.weighted_f1(), 0.0);
  EXPECT_EQ(m.macro_precision(), 0.0);
  EXPECT_EQ(m.weighted_recall(), 0.0);
  EXPECT_EQ(m.to_json()["count"], 0);
}

TEST(ClassificationMetrics, AcceptsOtherDtypes) {
  const auto reference = example_metrics(2);
  for (auto dtype : {torch::kDouble, torch::kHalf, torch::kBFloat16}) {
    ClassificationMetrics m(example_names(), 2);
    m.update(example_logits().to(dtype), example_targets().to(torch::kInt));
    EXPECT_EQ(m.confusion(), reference.confusion());
    EXPECT_EQ(m.top_k_accuracy(), reference.top_k_accuracy());
    EXPECT_NEAR(m.mean_loss(), reference.mean_loss(), 2e-2);  // half precision rounds the logits
  }
}

TEST(ClassificationMetrics, AcceptsCudaTensors) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const auto reference = example_metrics(2);
  ClassificationMetrics m(example_names(), 2);
  m.update(example_logits().to(torch::kCUDA), example_targets().to(torch::kCUDA));
  EXPECT_EQ(m.confusion(), reference.confusion());
  EXPECT_EQ(m.top_k_accuracy(), reference.top_k_accuracy());
  EXPECT_NEAR(m.mean_loss(), reference.mean_loss(), 1e-12);
}

TEST(ClassificationMetrics, RejectsBadInput) {
  EXPECT_THROW(ClassificationMetrics({}), UserError);
  EXPECT_THROW(ClassificationMetrics(example_names(), 0), UserError);
  EXPECT_THROW(ClassificationMetrics({"a", "b", "a"}), UserError);

  ClassificationMetrics m(example_names(), 2);
  EXPECT_THROW(m.update(torch::zeros({2, 4}), torch::zeros({2}, torch::kLong)), UserError);
  EXPECT_THROW(m.update(torch::zeros({3}), torch::zeros({1}, torch::kLong)), UserError);
  EXPECT_THROW(m.update(torch::zeros({2, 3}), torch::zeros({3}, torch::kLong)), UserError);
  EXPECT_THROW(m.update(torch::zeros({2, 3}), torch::zeros({2})), UserError);  // float targets
  EXPECT_THROW(m.update(torch::zeros({2, 3}, torch::kLong), torch::zeros({2}, torch::kLong)),
               UserError);
  EXPECT_THROW(m.update(torch::zeros({2, 3}), torch::tensor({0, 3}, torch::kLong)), UserError);
  EXPECT_THROW(m.update(torch::zeros({2, 3}), torch::tensor({-1, 0}, torch::kLong)), UserError);
  auto nan_logits = torch::zeros({2, 3});
  nan_logits[1][2] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THROW(m.update(nan_logits, torch::tensor({0, 1}, torch::kLong)), UserError);
  EXPECT_EQ(m.count(), 0);  // failed updates leave no trace
  EXPECT_EQ(m.confusion(), std::vector<std::vector<std::int64_t>>(3, std::vector<std::int64_t>(3, 0)));
}

TEST(ClassificationMetrics, ToJson) {
  const auto m = example_metrics(2);
  const auto j = m.to_json();
  EXPECT_EQ(j["count"], 10);
  EXPECT_NEAR(j["accuracy"].get<double>(), 0.6, kExact);
  EXPECT_EQ(j["top_k"], 2);
  EXPECT_NEAR(j["top_k_accuracy"].get<double>(), 0.8, kExact);
  EXPECT_NEAR(j["loss"].get<double>(), m.mean_loss(), kExact);
  EXPECT_NEAR(j["macro_f1"].get<double>(), 38.0 / 63.0, kExact);
  EXPECT_NEAR(j["weighted_f1"].get<double>(), 0.6, kExact);
  EXPECT_NEAR(j["macro_precision"].get<double>(), 11.0 / 18.0, kExact);
  EXPECT_NEAR(j["macro_recall"].get<double>(), 11.0 / 18.0, kExact);
  EXPECT_NEAR(j["weighted_precision"].get<double>(), 37.0 / 60.0, kExact);
  EXPECT_NEAR(j["weighted_recall"].get<double>(), 0.6, kExact);
  EXPECT_EQ(j["classes"], nlohmann::json({"cat", "dog", "bird"}));
  EXPECT_EQ(j["confusion"], nlohmann::json({{2, 1, 1}, {1, 2, 0}, {0, 1, 2}}));
  ASSERT_EQ(j["per_class"].size(), 3u);
  EXPECT_EQ(j["per_class"][1]["name"], "dog");
  EXPECT_NEAR(j["per_class"][1]["precision"].get<double>(), 0.5, kExact);
  EXPECT_NEAR(j["per_class"][1]["recall"].get<double>(), 2.0 / 3.0, kExact);
  EXPECT_NEAR(j["per_class"][1]["f1"].get<double>(), 4.0 / 7.0, kExact);
  EXPECT_EQ(j["per_class"][1]["support"], 3);
  // Round-trips through text.
  EXPECT_EQ(nlohmann::json::parse(j.dump()), j);
}

TEST(ClassificationMetrics, InfiniteLossIsJsonNull) {
  ClassificationMetrics m({"a", "b"});
  const double inf = std::numeric_limits<double>::infinity();
  m.update(torch::tensor({{0.0, -inf}}, torch::kDouble), torch::tensor({1}, torch::kLong));
  EXPECT_TRUE(std::isinf(m.mean_loss()));
  EXPECT_TRUE(m.to_json()["loss"].is_null());
  EXPECT_EQ(m.accuracy(), 0.0);
}

TEST(ClassificationMetrics, ConfusionCsvExact) {
  EXPECT_EQ(example_metrics(2).confusion_csv(),
            ",pred_cat,pred_dog,pred_bird\n"
            "true_cat,2,1,1\n"
            "true_dog,1,2,0\n"
            "true_bird,0,1,2\n");

  ClassificationMetrics quoted({"cat", "big, dog", "say \"hi\""}, 2);
  quoted.update(example_logits(), example_targets());
  EXPECT_EQ(quoted.confusion_csv(),
            ",pred_cat,\"pred_big, dog\",\"pred_say \"\"hi\"\"\"\n"
            "true_cat,2,1,1\n"
            "\"true_big, dog\",1,2,0\n"
            "\"true_say \"\"hi\"\"\",0,1,2\n");
}

}  // namespace
}  // namespace tessera::metrics
