// train::train end to end on a tiny synthetic dataset: three classes of grey images that differ
// by brightness, so a small CNN learns them in a few epochs on the CPU.
#include "tessera/train/trainer.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/temp_dir.h"
#include "tessera/core/atomic_file.h"
#include "tessera/core/config/experiment.h"
#include "tessera/models/safetensors.h"
#include "tessera/run/checkpoint.h"
#include "tessera/run/run_directory.h"
#include "tessera/tasks/classification.h"
#include "tessera/train/optimizer.h"

namespace tessera::train {
namespace {
namespace fs = std::filesystem;
using tessera::testing::TempDir;

const std::vector<std::pair<std::string, int>> kClasses{{"bright", 215}, {"dark", 40}, {"mid", 128}};

// `per_class` 20x20 grey PNGs per class: the class brightness plus uniform noise of +-20.
void write_split(const fs::path& root, int per_class, std::uint64_t seed) {
  cv::RNG rng(seed);
  for (const auto& [name, level] : kClasses) {
    fs::create_directories(root / name);
    for (int i = 0; i < per_class; ++i) {
      cv::Mat noise(20, 20, CV_32S);
      rng.fill(noise, cv::RNG::UNIFORM, -20, 21);
      cv::Mat image;
      noise += level;
      noise.convertTo(image, CV_8U);
      ASSERT_TRUE(cv::imwrite((root / name / (std::to_string(i) + ".png")).string(), image));
    }
  }
}

class TrainerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write_split(temp_ / "train", 20, 1);  // 60 images
    write_split(temp_ / "val", 6, 2);     // 18 images
  }

  config::ExperimentConfig make_config(const std::string& name, const std::vector<std::string>& overrides = {}) {
    const std::string yaml = "runtime:\n"
                             "  device: cpu\n"
                             "  threads: 1\n"
                             "  seed: 7\n"
                             "  log_level: info\n"
                             "  output_dir: " + (temp_ / "models").string() + "\n"
                             "  name: " + name + "\n"
                             "data:\n"
                             "  train: " + (temp_ / "train").string() + "\n"
                             "  val: " + (temp_ / "val").string() + "\n"
                             "  channels: 1\n"
                             "  crop: 16\n"
                             "  mean: [0.5]\n"
                             "  std: [0.25]\n"
                             "  batch_size: 8\n"
                             "  workers: 1\n"
                             "model:\n"
                             "  name: simple_cnn\n"
                             "  width: 8\n"
                             "optim:\n"
                             "  lr: 0.01\n"
                             "train:\n"
                             "  epochs: 3\n";
    return config::parse_config(yaml, "test.yaml", overrides);
  }

  static std::vector<nlohmann::json> metrics(const fs::path& run_dir) {
    std::ifstream in(run_dir / "metrics.jsonl");
    std::vector<nlohmann::json> records;
    for (std::string line; std::getline(in, line);) records.push_back(nlohmann::json::parse(line));
    return records;
  }

  static TrainSummary run(const config::ExperimentConfig& config) {
    TrainRequest request;
    request.config = config;
    return train(request);
  }

  TempDir temp_;
};

TEST_F(TrainerTest, TrainsWritesTheRunAndLearns) {
  const auto config = make_config("syn");
  const TrainSummary summary = run(config);
  const fs::path dir = temp_ / "models" / "syn";
  EXPECT_EQ(summary.run_dir, dir);
  for (const char* file : {"config.yaml", "labels.txt", "weights.safetensors", "last.safetensors", "checkpoint.pt",
                           "metrics.jsonl", "train.log"}) {
    EXPECT_TRUE(fs::is_regular_file(dir / file)) << file;
  }
  EXPECT_GT(fs::file_size(dir / "train.log"), 0u);
  // No temporaries left behind by the atomic writes.
  for (const auto& entry : fs::directory_iterator(dir)) {
    EXPECT_NE(entry.path().filename().string().front(), '.') << entry.path();
  }

  const auto run_dir = run::RunDirectory::open(dir);
  EXPECT_EQ(run_dir.read_labels(), (std::vector<std::string>{"bright", "dark", "mid"}));
  EXPECT_EQ(config::to_yaml(run_dir.read_config()), config::to_yaml(config));

  const auto records = metrics(dir);
  ASSERT_EQ(records.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(records[i]["epoch"], i + 1);
    EXPECT_EQ(records[i]["step"], 7 * (i + 1));  // 60 images, batch 8, drop_last: 7 steps per epoch
    EXPECT_TRUE(records[i].contains("val_accuracy"));
    EXPECT_TRUE(records[i].contains("val_loss"));
    EXPECT_TRUE(records[i].contains("train_loss"));
  }
  // The default cosine schedule: the last step ran at min_lr = 0.
  EXPECT_EQ(records[2]["lr"].get<double>(), 0.0);

  EXPECT_EQ(summary.epochs_completed, 3);
  EXPECT_FALSE(summary.early_stopped);
  EXPECT_GE(summary.best_epoch, 1);
  EXPECT_LE(summary.best_epoch, 3);
  EXPECT_GT(summary.best_val_accuracy, 0.9);
  EXPECT_TRUE(std::isfinite(summary.best_val_loss));
  // The summary describes the best epoch, as recorded in metrics.jsonl.
  EXPECT_NEAR(summary.best_val_accuracy, records[summary.best_epoch - 1]["val_accuracy"].get<double>(), 1e-12);

  // The weights files carry the labels, the config and their epoch.
  const auto best = models::load_safetensors(dir / "weights.safetensors");
  EXPECT_EQ(best.metadata.at("labels"), R"(["bright","dark","mid"])");
  EXPECT_EQ(best.metadata.at("epoch"), std::to_string(summary.best_epoch));
  EXPECT_EQ(best.metadata.at("config"), config::to_yaml(config));
  const auto last = models::load_safetensors(dir / "last.safetensors");
  EXPECT_EQ(last.metadata.at("epoch"), "3");

  // The checkpoint says the run is finished after 3 epochs.
  auto task = tasks::ClassificationTask::for_training(config, torch::kCPU);
  auto optimizer = make_optimizer(task->module(), config.optim);
  const auto progress = run::load_checkpoint(dir / "checkpoint.pt", task->module(), *optimizer);
  EXPECT_EQ(progress.epochs_completed, 3);
  EXPECT_EQ(progress.step, 21);
  EXPECT_TRUE(progress.finished);
  EXPECT_EQ(progress.best_epoch, summary.best_epoch);
  // The checkpoint's weights are the last epoch's.
  const auto restored = models::state_dict(task->module());
  for (const auto& [name, tensor] : last.tensors) EXPECT_TRUE(torch::equal(restored.at(name), tensor)) << name;
}

// The settings the GPU path uses, exercised on the CPU: bf16 autocast and channels_last still
// learn, and the weights saved are ordinary float32 contiguous tensors that load anywhere.
TEST_F(TrainerTest, Bf16AutocastAndChannelsLastLearnOnTheCpu) {
  const auto summary = run(make_config(
      "bf16", {"runtime.precision=bf16", "runtime.memory_format=channels_last", "train.grad_clip=1"}));
  EXPECT_GT(summary.best_val_accuracy, 0.9);
  const auto weights = models::load_safetensors(summary.run_dir / "weights.safetensors");
  for (const auto& [name, tensor] : weights.tensors) {
    if (tensor.is_floating_point()) EXPECT_EQ(tensor.scalar_type(), torch::kFloat32) << name;
    EXPECT_TRUE(tensor.is_contiguous()) << name;
  }
  // The run resumes into a channels_last model (checkpoint written from channels_last tensors).
  TrainRequest request;
  request.config = make_config("bf16", {"runtime.precision=bf16", "runtime.memory_format=channels_last",
                                        "train.grad_clip=1"});
  request.resume = true;
  request.resume_dir = summary.run_dir;
  EXPECT_EQ(train(request).epochs_completed, 3);
}

TEST_F(TrainerTest, SameSeedGivesBitIdenticalWeights) {
  const auto first = run(make_config("same"));
  const auto second = run(make_config("same"));
  EXPECT_EQ(first.run_dir, temp_ / "models" / "same");
  EXPECT_EQ(second.run_dir, temp_ / "models" / "same-2");
  EXPECT_EQ(read_file(first.run_dir / "last.safetensors"), read_file(second.run_dir / "last.safetensors"));
  EXPECT_EQ(read_file(first.run_dir / "weights.safetensors"), read_file(second.run_dir / "weights.safetensors"));
  const auto a = metrics(first.run_dir), b = metrics(second.run_dir);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i]["train_loss"], b[i]["train_loss"]);
    EXPECT_EQ(a[i]["val_loss"], b[i]["val_loss"]);
  }
  // A different seed gives different weights (so the equality above is not vacuous).
  const auto third = run(make_config("same", {"runtime.seed=8"}));
  EXPECT_NE(read_file(first.run_dir / "last.safetensors"), read_file(third.run_dir / "last.safetensors"));
}

TEST_F(TrainerTest, EarlyStoppingAfterPatienceEvaluations) {
  // Accuracy can never improve by 2: only the first evaluation counts as an improvement.
  const auto summary = run(make_config(
      "early", {"train.epochs=6", "train.early_stopping.patience=1", "train.early_stopping.min_delta=2"}));
  EXPECT_TRUE(summary.early_stopped);
  EXPECT_EQ(summary.epochs_completed, 2);
  EXPECT_EQ(summary.best_epoch, 1);
  EXPECT_EQ(metrics(summary.run_dir).size(), 2u);
  EXPECT_EQ(models::load_safetensors(summary.run_dir / "weights.safetensors").metadata.at("epoch"), "1");
  EXPECT_EQ(models::load_safetensors(summary.run_dir / "last.safetensors").metadata.at("epoch"), "2");
}

// Resume continues exactly. There is no in-process way to interrupt train(), so: with a schedule
// that does not depend on the number of epochs (step decay, warmup), a 1-epoch run is exactly
// the first epoch of a 3-epoch run. Its config.yaml is then changed to 3 epochs and its
// checkpoint's `finished` flag cleared (re-saved right after loading, so the RNG state and
// everything else are unchanged) -- the state a run killed after epoch 1 leaves -- and resumed.
TEST_F(TrainerTest, ResumeMatchesAnUninterruptedRun) {
  const std::vector<std::string> schedule{"optim.scheduler=step", "optim.step_size=1", "optim.gamma=0.5",
                                          "optim.warmup_epochs=0.5", "optim.weight_decay=0.01",
                                          "model.dropout=0.3"};  // dropout: the RNG state matters
  auto full_overrides = schedule;
  const auto full = run(make_config("resume", full_overrides));

  auto short_overrides = schedule;
  short_overrides.push_back("train.epochs=1");
  const auto interrupted = run(make_config("resume", short_overrides));
  ASSERT_EQ(interrupted.epochs_completed, 1);
  const auto dir = run::RunDirectory::open(interrupted.run_dir);
  {
    auto config = dir.read_config();
    config.train.epochs = 3;
    dir.write_config(config);
    auto task = tasks::ClassificationTask::for_training(config, torch::kCPU);
    auto optimizer = make_optimizer(task->module(), config.optim);
    auto progress = run::load_checkpoint(dir.checkpoint_path(), task->module(), *optimizer);
    ASSERT_TRUE(progress.finished);
    progress.finished = false;
    run::save_checkpoint(dir.checkpoint_path(), task->module(), *optimizer, progress);
  }
  TrainRequest request;
  request.config = make_config("ignored-the-run-config-wins");
  request.resume = true;
  request.resume_dir = interrupted.run_dir;
  const auto resumed = train(request);
  EXPECT_EQ(resumed.run_dir, interrupted.run_dir);
  EXPECT_EQ(resumed.epochs_completed, 3);
  EXPECT_FALSE(fs::exists(temp_ / "models" / "ignored-the-run-config-wins"));

  // Same final weights, bit for bit, and the same per-epoch numbers.
  const auto a = models::load_safetensors(full.run_dir / "last.safetensors");
  const auto b = models::load_safetensors(resumed.run_dir / "last.safetensors");
  ASSERT_EQ(a.tensors.size(), b.tensors.size());
  for (const auto& [name, tensor] : a.tensors) EXPECT_TRUE(torch::equal(tensor, b.tensors.at(name))) << name;
  EXPECT_EQ(read_file(full.run_dir / "last.safetensors"), read_file(resumed.run_dir / "last.safetensors"));
  const auto full_metrics = metrics(full.run_dir), resumed_metrics = metrics(resumed.run_dir);
  ASSERT_EQ(full_metrics.size(), 3u);
  ASSERT_EQ(resumed_metrics.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    for (const char* key : {"epoch", "step", "lr", "train_loss", "train_accuracy", "val_loss", "val_accuracy"}) {
      EXPECT_EQ(full_metrics[i][key], resumed_metrics[i][key]) << i << " " << key;
    }
  }
  EXPECT_EQ(resumed.best_epoch, full.best_epoch);
  EXPECT_EQ(resumed.best_val_accuracy, full.best_val_accuracy);

  // Resuming a finished run does nothing more.
  const auto again = train(request);
  EXPECT_EQ(again.epochs_completed, 3);
  EXPECT_EQ(metrics(interrupted.run_dir).size(), 3u);
}

TEST_F(TrainerTest, ResumeWithoutRunIsUserError) {
  TrainRequest request;
  request.config = make_config("nothing-here");
  request.resume = true;
  EXPECT_THROW(train(request), UserError);
}

}  // namespace
}  // namespace tessera::train
