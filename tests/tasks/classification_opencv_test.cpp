// ClassificationTask: classes from the data, the loss (label smoothing, class weights) against an
// independent computation, loader options per split, metadata, run-directory round trip.
#include "tessera/tasks/classification.h"

#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "support/temp_dir.h"
#include "tessera/core/config/experiment.h"
#include "tessera/core/error.h"
#include "tessera/models/safetensors.h"
#include "tessera/run/run_directory.h"

namespace tessera::tasks {
namespace {
namespace fs = std::filesystem;
using tessera::testing::TempDir;

// Classes "a", "b", "c" with `counts` grey 10x12 PNGs each (value = 50 * class + index).
void write_folder(const fs::path& root, const std::vector<int>& counts) {
  for (std::size_t c = 0; c < counts.size(); ++c) {
    const std::string name(1, static_cast<char>('a' + c));
    fs::create_directories(root / name);
    for (int i = 0; i < counts[c]; ++i) {
      const cv::Mat image(10, 12, CV_8UC1, cv::Scalar(static_cast<double>(50 * c + i)));
      ASSERT_TRUE(cv::imwrite((root / name / (std::to_string(i) + ".png")).string(), image));
    }
  }
}

class ClassificationTaskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write_folder(temp_ / "train", {2, 3, 5});  // 10 images, unbalanced
    write_folder(temp_ / "val", {1, 2, 2});    // 5 images
    write_folder(temp_ / "test", {1, 1, 1});   // 3 images
  }

  config::ExperimentConfig make_config(const std::vector<std::string>& overrides = {}) {
    const std::string yaml = "runtime: {device: cpu, seed: 11}\n"
                             "data:\n"
                             "  train: " + (temp_ / "train").string() + "\n"
                             "  val: " + (temp_ / "val").string() + "\n"
                             "  test: " + (temp_ / "test").string() + "\n"
                             "  channels: 1\n"
                             "  crop: 8\n"
                             "  mean: [0.5]\n"
                             "  std: [0.5]\n"
                             "  batch_size: 4\n"
                             "  workers: 1\n"
                             "model: {name: simple_cnn, width: 4}\n"
                             "eval: {batch_size: 3}\n";
    return config::parse_config(yaml, "task.yaml", overrides);
  }

  TempDir temp_;
};

// Cross-entropy with per-class weights w and label smoothing eps, in double, as PyTorch defines
// the weighted mean: sum_i [(1-eps) w_{y_i} l_{i,y_i} + eps/C sum_c w_c l_{i,c}] / sum_i w_{y_i},
// with l_{i,c} = -log softmax(x_i)_c.
double reference_loss(const torch::Tensor& logits, const torch::Tensor& targets, const std::vector<double>& w,
                      double eps) {
  const auto x = logits.to(torch::kFloat64).contiguous();
  const auto n = x.size(0), classes = x.size(1);
  const auto* data = x.data_ptr<double>();
  double numerator = 0.0, denominator = 0.0;
  for (std::int64_t i = 0; i < n; ++i) {
    double max = data[i * classes];
    for (std::int64_t c = 1; c < classes; ++c) max = std::max(max, data[i * classes + c]);
    double sum = 0.0;
    for (std::int64_t c = 0; c < classes; ++c) sum += std::exp(data[i * classes + c] - max);
    const double log_sum = max + std::log(sum);
    const auto y = targets[i].item<std::int64_t>();
    double smooth = 0.0;
    for (std::int64_t c = 0; c < classes; ++c) smooth += w[c] * (log_sum - data[i * classes + c]);
    numerator += (1 - eps) * w[y] * (log_sum - data[i * classes + y]) + eps / static_cast<double>(classes) * smooth;
    denominator += w[y];
  }
  return numerator / denominator;
}

struct LossCase {
  torch::Tensor logits, targets;
};

LossCase loss_case() {
  auto generator = at::detail::createCPUGenerator(3);
  LossCase out;
  out.logits = torch::randn({9, 3}, generator) * 2.0;
  out.targets = torch::tensor({0, 1, 2, 2, 1, 2, 0, 2, 2}, torch::kInt64);
  return out;
}

TEST_F(ClassificationTaskTest, ClassesAndSplitsFromTheData) {
  auto task = ClassificationTask::for_training(make_config(), torch::kCPU);
  EXPECT_EQ(task->classes(), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(task->has_split(Split::train));
  EXPECT_TRUE(task->has_split(Split::val));
  EXPECT_TRUE(task->has_split(Split::test));
  EXPECT_EQ(task->examples(Split::train), 10u);
  EXPECT_EQ(task->examples(Split::val), 5u);
  EXPECT_EQ(task->examples(Split::test), 3u);
  EXPECT_EQ(task->batches_per_epoch(Split::train), 2u);  // 10 / 4, last partial batch dropped
  EXPECT_EQ(task->batches_per_epoch(Split::val), 2u);    // ceil(5 / 3)
  EXPECT_EQ(task->batches_per_epoch(Split::test), 1u);
  EXPECT_STREQ(split_name(Split::train), "train");
  EXPECT_STREQ(split_name(Split::val), "val");
  EXPECT_STREQ(split_name(Split::test), "test");

  // The network outputs one logit per class.
  const auto outputs = task->forward(torch::zeros({2, 1, 8, 8}));
  EXPECT_EQ(outputs.sizes(), (torch::IntArrayRef{2, 3}));
}

TEST_F(ClassificationTaskTest, ValBatchesInDatasetOrder) {
  auto task = ClassificationTask::for_training(make_config(), torch::kCPU);
  task->start_epoch(Split::val, 1);
  std::vector<std::int64_t> targets;
  std::vector<std::int64_t> sizes;
  while (auto batch = task->next_batch(Split::val)) {
    EXPECT_EQ(batch->inputs.sizes(), (torch::IntArrayRef{batch->inputs.size(0), 1, 8, 8}));
    EXPECT_TRUE(batch->failures.empty());
    sizes.push_back(batch->inputs.size(0));
    for (std::int64_t i = 0; i < batch->targets.size(0); ++i) targets.push_back(batch->targets[i].item<std::int64_t>());
  }
  EXPECT_EQ(sizes, (std::vector<std::int64_t>{3, 2}));  // eval.batch_size, nothing dropped
  EXPECT_EQ(targets, (std::vector<std::int64_t>{0, 1, 1, 2, 2}));

  // Training batches: data.batch_size, full batches only, every label valid.
  task->start_epoch(Split::train, 1);
  int batches = 0;
  while (auto batch = task->next_batch(Split::train)) {
    EXPECT_EQ(batch->inputs.size(0), 4);
    EXPECT_EQ(batch->targets.size(0), 4);
    ++batches;
  }
  EXPECT_EQ(batches, 2);
}

TEST_F(ClassificationTaskTest, LossIsCrossEntropy) {
  auto task = ClassificationTask::for_training(make_config(), torch::kCPU);
  const auto c = loss_case();
  const double loss = task->loss(c.logits, c.targets).item<double>();
  EXPECT_NEAR(loss, reference_loss(c.logits, c.targets, {1, 1, 1}, 0.0), 1e-5);
  EXPECT_NEAR(loss, torch::nn::functional::cross_entropy(c.logits, c.targets).item<double>(), 1e-6);
}

TEST_F(ClassificationTaskTest, LossWithLabelSmoothing) {
  auto task = ClassificationTask::for_training(make_config({"train.label_smoothing=0.2"}), torch::kCPU);
  const auto c = loss_case();
  const double loss = task->loss(c.logits, c.targets).item<double>();
  EXPECT_NEAR(loss, reference_loss(c.logits, c.targets, {1, 1, 1}, 0.2), 1e-5);
  EXPECT_GT(std::abs(loss - reference_loss(c.logits, c.targets, {1, 1, 1}, 0.0)), 1e-3);  // smoothing matters
}

TEST_F(ClassificationTaskTest, LossWithBalancedClassWeights) {
  auto task = ClassificationTask::for_training(
      make_config({"train.class_weights=balanced", "train.label_smoothing=0.1"}), torch::kCPU);
  // 10 samples, 3 classes, counts 2/3/5: n / (C * count).
  const std::vector<double> w{10.0 / (3 * 2), 10.0 / (3 * 3), 10.0 / (3 * 5)};
  const auto c = loss_case();
  const double loss = task->loss(c.logits, c.targets).item<double>();
  EXPECT_NEAR(loss, reference_loss(c.logits, c.targets, w, 0.1), 1e-5);
  const auto options = torch::nn::functional::CrossEntropyFuncOptions()
                           .weight(torch::tensor({w[0], w[1], w[2]}, torch::kFloat32))
                           .label_smoothing(0.1);
  EXPECT_NEAR(loss, torch::nn::functional::cross_entropy(c.logits, c.targets, options).item<double>(), 1e-6);
  EXPECT_GT(std::abs(loss - reference_loss(c.logits, c.targets, {1, 1, 1}, 0.1)), 1e-3);  // weights matter
}

TEST_F(ClassificationTaskTest, LossWithExplicitClassWeights) {
  auto task = ClassificationTask::for_training(make_config({"train.class_weights=[0.5, 2, 0.25]"}), torch::kCPU);
  const auto c = loss_case();
  EXPECT_NEAR(task->loss(c.logits, c.targets).item<double>(), reference_loss(c.logits, c.targets, {0.5, 2, 0.25}, 0.0),
              1e-5);
}

TEST_F(ClassificationTaskTest, ClassWeightsOfTheWrongLengthIsUserError) {
  try {
    ClassificationTask::for_training(make_config({"train.class_weights=[1, 2]"}), torch::kCPU);
    FAIL() << "expected UserError";
  } catch (const UserError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("train.class_weights"), std::string::npos) << message;
    EXPECT_NE(message.find("3 classes"), std::string::npos) << message;
  }
}

TEST_F(ClassificationTaskTest, NumClassesMismatchIsUserError) {
  EXPECT_NO_THROW(ClassificationTask::for_training(make_config({"model.num_classes=3"}), torch::kCPU));
  try {
    ClassificationTask::for_training(make_config({"model.num_classes=5"}), torch::kCPU);
    FAIL() << "expected UserError";
  } catch (const UserError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("model.num_classes"), std::string::npos) << message;
    EXPECT_NE(message.find("3 classes"), std::string::npos) << message;
  }
}

TEST_F(ClassificationTaskTest, TrainingNeedsDataAndTwoClasses) {
  EXPECT_THROW(ClassificationTask::for_training(make_config({"data.train=''"}), torch::kCPU), UserError);
  write_folder(temp_ / "one", {3});
  try {
    ClassificationTask::for_training(make_config({"data.train=" + (temp_ / "one").string(), "data.val=''",
                                                  "data.test=''"}),
                                     torch::kCPU);
    FAIL() << "expected UserError";
  } catch (const UserError& error) {
    EXPECT_NE(std::string(error.what()).find("at least 2"), std::string::npos) << error.what();
  }
}

TEST_F(ClassificationTaskTest, OptionalSplits) {
  auto task = ClassificationTask::for_training(make_config({"data.val=''", "data.test=''"}), torch::kCPU);
  EXPECT_TRUE(task->has_split(Split::train));
  EXPECT_FALSE(task->has_split(Split::val));
  EXPECT_FALSE(task->has_split(Split::test));
  EXPECT_EQ(task->batches_per_epoch(Split::val), 0u);
  EXPECT_EQ(task->examples(Split::test), 0u);
}

TEST_F(ClassificationTaskTest, LoaderOptionsPerSplit) {
  auto task = ClassificationTask::for_training(
      make_config({"data.pad=2", "data.hflip=0.5", "data.cache=true", "data.resize=[9, 11]", "data.workers=3",
                   "data.prefetch=5"}),
      torch::kCPU);
  const auto train = task->loader_options(Split::train);
  EXPECT_EQ(train.batch_size, 4);
  EXPECT_TRUE(train.shuffle);
  EXPECT_TRUE(train.augment);
  EXPECT_TRUE(train.drop_last);
  for (const auto split : {Split::val, Split::test}) {
    const auto options = task->loader_options(split);
    EXPECT_EQ(options.batch_size, 3) << split_name(split);  // eval.batch_size
    EXPECT_FALSE(options.shuffle) << split_name(split);
    EXPECT_FALSE(options.augment) << split_name(split);
    EXPECT_FALSE(options.drop_last) << split_name(split);
  }
  for (const auto split : {Split::train, Split::val, Split::test}) {
    const auto options = task->loader_options(split);
    EXPECT_EQ(options.workers, 3);
    EXPECT_EQ(options.prefetch_batches, 5);
    EXPECT_EQ(options.seed, 11u);
    EXPECT_EQ(options.channels, 1);
    EXPECT_EQ(options.preprocess.resize_h, 9);
    EXPECT_EQ(options.preprocess.resize_w, 11);
    EXPECT_EQ(options.preprocess.out_h, 8);
    EXPECT_EQ(options.preprocess.out_w, 8);
    EXPECT_EQ(options.preprocess.mean, std::vector<float>{0.5f});
    EXPECT_EQ(options.preprocess.std, std::vector<float>{0.5f});
    EXPECT_EQ(options.pad, 2);
    EXPECT_EQ(options.hflip, 0.5);
    EXPECT_TRUE(options.cache_decoded);
  }
  // drop_last off for training when the config says so.
  auto no_drop = ClassificationTask::for_training(make_config({"data.drop_last=false"}), torch::kCPU);
  EXPECT_FALSE(no_drop->loader_options(Split::train).drop_last);
  EXPECT_EQ(no_drop->batches_per_epoch(Split::train), 3u);  // ceil(10 / 4)
}

TEST_F(ClassificationTaskTest, WeightsMetadataHasTheLabels) {
  auto task = ClassificationTask::for_training(make_config(), torch::kCPU);
  const auto metadata = task->weights_metadata();
  EXPECT_EQ(metadata.at("task"), "classification");
  EXPECT_EQ(metadata.at("model"), "simple_cnn");
  EXPECT_EQ(nlohmann::json::parse(metadata.at("labels")), nlohmann::json({"a", "b", "c"}));
  EXPECT_EQ(metadata.at("labels"), R"(["a","b","c"])");
}

TEST_F(ClassificationTaskTest, EvaluationMeasuresAccuracyAndLoss) {
  auto task = ClassificationTask::for_training(make_config(), torch::kCPU);
  auto evaluation = task->new_evaluation();
  const auto c = loss_case();
  evaluation->update(c.logits, c.targets);
  EXPECT_EQ(evaluation->count(), 9);
  const double accuracy = c.logits.argmax(1).eq(c.targets).sum().item<double>() / 9.0;
  EXPECT_NEAR(evaluation->value("accuracy"), accuracy, 1e-12);
  EXPECT_NEAR(evaluation->value("loss"), reference_loss(c.logits, c.targets, {1, 1, 1}, 0.0), 1e-5);
  EXPECT_TRUE(std::isnan(evaluation->value("no_such_metric")));
  EXPECT_TRUE(evaluation->artifacts().contains("confusion.csv"));
}

TEST_F(ClassificationTaskTest, FromRunDirectoryLoadsLabelsConfigAndWeights) {
  auto config = make_config();
  config.runtime.output_dir = (temp_ / "models").string();
  config.runtime.name = "r";
  auto task = ClassificationTask::for_training(config, torch::kCPU);
  const auto run = run::RunDirectory::create(config);
  run.write_config(config);
  task->write_to_run(run);
  EXPECT_EQ(run.read_labels(), task->classes());

  try {
    ClassificationTask::from_run_directory(run, torch::kCPU);
    FAIL() << "expected UserError";
  } catch (const UserError& error) {
    EXPECT_NE(std::string(error.what()).find("weights.safetensors"), std::string::npos) << error.what();
  }

  models::save_safetensors(run.weights_path(), models::state_dict(task->module()), task->weights_metadata());
  auto loaded = ClassificationTask::from_run_directory(run, torch::kCPU);
  EXPECT_EQ(loaded->classes(), task->classes());
  EXPECT_FALSE(loaded->has_split(Split::train));
  EXPECT_EQ(config::to_yaml(loaded->config()), config::to_yaml(config));
  const auto own = models::state_dict(task->module());
  const auto restored = models::state_dict(loaded->module());
  ASSERT_EQ(own.size(), restored.size());
  for (const auto& [name, tensor] : own) EXPECT_TRUE(torch::equal(tensor, restored.at(name))) << name;
  EXPECT_FALSE(loaded->module().is_training());
  // The same outputs in eval mode.
  task->module().eval();
  const auto inputs = torch::randn({2, 1, 8, 8});
  EXPECT_TRUE(torch::equal(task->forward(inputs), loaded->forward(inputs)));
}

}  // namespace
}  // namespace tessera::tasks
