// Checkpoints: everything a resumed run needs comes back exactly.
#include "tessera/run/checkpoint.h"

#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>
#include <torch/optim/adamw.h>
#include <torch/optim/sgd.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "support/temp_dir.h"
#include "tessera/core/atomic_file.h"
#include "tessera/core/error.h"
#include "tessera/models/registry.h"
#include "tessera/models/safetensors.h"
#include "tiny_cnn.h"

namespace tessera::run {
namespace {
namespace fs = std::filesystem;
using tessera::testing::TempDir;
using tessera::testing::write_text;

std::shared_ptr<models::Network> make_model(std::uint64_t seed) { return testing::tiny_cnn(seed); }

std::unique_ptr<torch::optim::AdamW> make_adamw(torch::nn::Module& model) {
  // Two groups, like train::make_optimizer: decay on >= 2-D parameters only.
  std::vector<torch::Tensor> decayed, not_decayed;
  for (auto& p : model.parameters()) (p.dim() <= 1 ? not_decayed : decayed).push_back(p);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decayed, std::make_unique<torch::optim::AdamWOptions>(
                                   torch::optim::AdamWOptions(1e-2).weight_decay(0.05)));
  groups.emplace_back(not_decayed, std::make_unique<torch::optim::AdamWOptions>(
                                       torch::optim::AdamWOptions(1e-2).weight_decay(0.0)));
  return std::make_unique<torch::optim::AdamW>(groups, torch::optim::AdamWOptions(1e-2));
}

void train_steps(models::Network& model, torch::optim::Optimizer& optimizer, int steps, std::uint64_t data_seed) {
  model.train();
  auto generator = at::detail::createCPUGenerator(data_seed);
  for (int i = 0; i < steps; ++i) {
    const auto inputs = torch::randn({6, 1, 12, 12}, generator);
    const auto targets = torch::randint(0, 3, {6}, generator);
    optimizer.zero_grad();
    const auto loss = torch::nn::functional::cross_entropy(model.forward(inputs), targets);
    loss.backward();
    optimizer.step();
  }
}

void expect_identical(const std::map<std::string, torch::Tensor>& a, const std::map<std::string, torch::Tensor>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [name, tensor] : a) {
    ASSERT_TRUE(b.contains(name)) << name;
    EXPECT_TRUE(torch::equal(tensor, b.at(name))) << name << " differs";
  }
}

TrainProgress sample_progress() {
  TrainProgress progress;
  progress.epochs_completed = 7;
  progress.step = 12345678901LL;
  progress.best_metric = 0.8125123456789;
  progress.best_epoch = 5;
  progress.evals_without_improvement = 2;
  progress.finished = true;
  return progress;
}

TEST(CheckpointTest, RestoresWeightsOptimizerRngAndCounters) {
  TempDir temp;
  auto model = make_model(1);
  auto optimizer = make_adamw(*model);
  train_steps(*model, *optimizer, 4, 100);
  std::map<std::string, torch::Tensor> saved_state;  // copies: state_dict() shares storage
  for (const auto& [name, tensor] : models::state_dict(*model)) saved_state[name] = tensor.clone();
  // The BatchNorm buffers moved away from their initial values, so the test covers buffers.
  bool has_running_mean = false;
  for (const auto& [name, tensor] : saved_state) {
    if (name.find("running_mean") != std::string::npos) {
      has_running_mean = true;
      EXPECT_GT(tensor.abs().sum().item<double>(), 0.0) << name;
    }
  }
  EXPECT_TRUE(has_running_mean);

  torch::manual_seed(77);
  torch::rand({3});  // advance the generator somewhere non-trivial
  const fs::path path = temp / "checkpoint.pt";
  save_checkpoint(path, *model, *optimizer, sample_progress());
  const torch::Tensor rand_after_save = torch::rand({16});

  // A fresh model (different init) and optimizer; the global RNG elsewhere.
  auto restored = make_model(2);
  auto restored_optimizer = make_adamw(*restored);
  ASSERT_FALSE(torch::equal(models::state_dict(*restored).begin()->second, saved_state.begin()->second));
  torch::manual_seed(999);
  const TrainProgress progress = load_checkpoint(path, *restored, *restored_optimizer);

  EXPECT_TRUE(torch::equal(torch::rand({16}), rand_after_save));
  expect_identical(models::state_dict(*restored), saved_state);
  EXPECT_EQ(progress.epochs_completed, 7);
  EXPECT_EQ(progress.step, 12345678901LL);
  EXPECT_EQ(progress.best_metric, 0.8125123456789);
  EXPECT_EQ(progress.best_epoch, 5);
  EXPECT_EQ(progress.evals_without_improvement, 2);
  EXPECT_TRUE(progress.finished);

  // AdamW state: the moments and step counts of every parameter match.
  const auto& groups = optimizer->param_groups();
  const auto& restored_groups = restored_optimizer->param_groups();
  ASSERT_EQ(groups.size(), restored_groups.size());
  for (std::size_t g = 0; g < groups.size(); ++g) {
    ASSERT_EQ(groups[g].params().size(), restored_groups[g].params().size());
    EXPECT_EQ(static_cast<const torch::optim::AdamWOptions&>(restored_groups[g].options()).weight_decay(),
              static_cast<const torch::optim::AdamWOptions&>(groups[g].options()).weight_decay());
    for (std::size_t i = 0; i < groups[g].params().size(); ++i) {
      const auto& original_state = static_cast<const torch::optim::AdamWParamState&>(
          *optimizer->state().at(groups[g].params()[i].unsafeGetTensorImpl()));
      const auto& restored_state = static_cast<const torch::optim::AdamWParamState&>(
          *restored_optimizer->state().at(restored_groups[g].params()[i].unsafeGetTensorImpl()));
      EXPECT_EQ(restored_state.step(), original_state.step());
      EXPECT_EQ(restored_state.step(), 4);
      EXPECT_TRUE(torch::equal(restored_state.exp_avg(), original_state.exp_avg()));
      EXPECT_TRUE(torch::equal(restored_state.exp_avg_sq(), original_state.exp_avg_sq()));
    }
  }

  // One more step on both gives bit-identical weights.
  train_steps(*model, *optimizer, 1, 200);
  train_steps(*restored, *restored_optimizer, 1, 200);
  expect_identical(models::state_dict(*restored), models::state_dict(*model));
  int changed = 0;  // the step did move the weights, so the comparison above means something
  for (const auto& [name, tensor] : models::state_dict(*model)) changed += !torch::equal(tensor, saved_state.at(name));
  EXPECT_GT(changed, 0);
}

TEST(CheckpointTest, RestoresSgdMomentum) {
  TempDir temp;
  auto model = make_model(3);
  auto optimizer = std::make_unique<torch::optim::SGD>(model->parameters(),
                                                      torch::optim::SGDOptions(0.05).momentum(0.9).nesterov(true));
  train_steps(*model, *optimizer, 3, 5);
  save_checkpoint(temp / "checkpoint.pt", *model, *optimizer, TrainProgress{});
  auto restored = make_model(4);
  auto restored_optimizer = std::make_unique<torch::optim::SGD>(
      restored->parameters(), torch::optim::SGDOptions(0.05).momentum(0.9).nesterov(true));
  const auto progress = load_checkpoint(temp / "checkpoint.pt", *restored, *restored_optimizer);
  EXPECT_EQ(progress.epochs_completed, 0);
  EXPECT_TRUE(std::isnan(progress.best_metric));  // the default NaN survives
  EXPECT_FALSE(progress.finished);
  train_steps(*model, *optimizer, 2, 6);
  train_steps(*restored, *restored_optimizer, 2, 6);
  expect_identical(models::state_dict(*restored), models::state_dict(*model));
}

// Expects load_checkpoint(path) to throw a UserError whose message names the file.
void expect_user_error_naming(const fs::path& path) {
  auto model = make_model(5);
  auto optimizer = make_adamw(*model);
  try {
    load_checkpoint(path, *model, *optimizer);
    FAIL() << "expected UserError for " << path;
  } catch (const UserError& error) {
    EXPECT_NE(std::string(error.what()).find(path.string()), std::string::npos) << error.what();
    EXPECT_EQ(std::string(error.what()).find('\n'), std::string::npos) << "one line: " << error.what();
  }
}

TEST(CheckpointTest, GarbageFileIsUserErrorNamingIt) {
  TempDir temp;
  write_text(temp / "garbage.pt", "this is not a torch archive at all");
  expect_user_error_naming(temp / "garbage.pt");
}

TEST(CheckpointTest, EmptyFileIsUserErrorNamingIt) {
  TempDir temp;
  write_text(temp / "empty.pt", "");
  expect_user_error_naming(temp / "empty.pt");
}

TEST(CheckpointTest, TruncatedFileIsUserErrorNamingIt) {
  TempDir temp;
  auto model = make_model(6);
  auto optimizer = make_adamw(*model);
  train_steps(*model, *optimizer, 1, 1);
  const fs::path path = temp / "checkpoint.pt";
  save_checkpoint(path, *model, *optimizer, sample_progress());
  const auto size = fs::file_size(path);
  for (const double fraction : {0.5, 0.9}) {
    const fs::path truncated = temp / ("truncated-" + std::to_string(static_cast<int>(fraction * 100)) + ".pt");
    fs::copy_file(path, truncated);
    fs::resize_file(truncated, static_cast<std::uintmax_t>(static_cast<double>(size) * fraction));
    expect_user_error_naming(truncated);
  }
}

TEST(CheckpointTest, MissingFileIsUserErrorNamingIt) {
  TempDir temp;
  expect_user_error_naming(temp / "nope.pt");
}

TEST(CheckpointTest, CheckpointOfAnotherModelIsUserError) {
  TempDir temp;
  auto model = make_model(7);
  auto optimizer = make_adamw(*model);
  save_checkpoint(temp / "checkpoint.pt", *model, *optimizer, sample_progress());
  models::ModelSpec spec;
  spec.name = "simple_cnn";
  spec.num_classes = 3;
  spec.in_channels = 1;
  spec.width = 8;  // other shapes
  auto other = models::create_model(spec);
  auto other_optimizer = make_adamw(*other);
  try {
    load_checkpoint(temp / "checkpoint.pt", *other, *other_optimizer);
    FAIL() << "expected UserError";
  } catch (const UserError& error) {
    EXPECT_NE(std::string(error.what()).find((temp / "checkpoint.pt").string()), std::string::npos) << error.what();
  }
}

TEST(CheckpointTest, OverwritesAnExistingFileWithoutLeavingTempFiles) {
  TempDir temp;
  const fs::path path = temp / "checkpoint.pt";
  write_text(path, "an older checkpoint");
  auto model = make_model(8);
  auto optimizer = make_adamw(*model);
  TrainProgress first = sample_progress();
  first.epochs_completed = 1;
  save_checkpoint(path, *model, *optimizer, first);
  TrainProgress second = sample_progress();
  second.epochs_completed = 2;
  save_checkpoint(path, *model, *optimizer, second);

  std::vector<std::string> entries;
  for (const auto& entry : fs::directory_iterator(temp.path())) entries.push_back(entry.path().filename().string());
  std::sort(entries.begin(), entries.end());
  EXPECT_EQ(entries, (std::vector<std::string>{"checkpoint.prev.pt", "checkpoint.pt"}));

  auto restored = make_model(9);
  auto restored_optimizer = make_adamw(*restored);
  EXPECT_EQ(load_checkpoint(path, *restored, *restored_optimizer).epochs_completed, 2);
  EXPECT_EQ(load_checkpoint(previous_checkpoint_path(path), *restored, *restored_optimizer).epochs_completed, 1);
}

// One changed byte anywhere in the archive is caught by the CRC-64 before the model is touched.
TEST(CheckpointTest, AFlippedByteIsCaughtAndChangesNothing) {
  TempDir temp;
  auto model = make_model(11);
  auto optimizer = make_adamw(*model);
  train_steps(*model, *optimizer, 1, 1);
  const fs::path path = temp / "checkpoint.pt";
  save_checkpoint(path, *model, *optimizer, sample_progress());
  std::string bytes = read_file(path);
  for (const double where : {0.1, 0.5, 0.9}) {
    std::string flipped = bytes;
    flipped[static_cast<std::size_t>(static_cast<double>(bytes.size() - 32) * where)] ^= 0x10;
    write_text(temp / "flipped.pt", flipped);
    auto other = make_model(12);
    auto other_optimizer = make_adamw(*other);
    const auto before = models::state_dict(*other);
    try {
      load_checkpoint(temp / "flipped.pt", *other, *other_optimizer);
      FAIL() << "a flipped byte at " << where << " went unnoticed";
    } catch (const CorruptCheckpoint& error) {
      EXPECT_NE(std::string(error.what()).find("CRC-64 mismatch"), std::string::npos) << error.what();
      EXPECT_NE(std::string(error.what()).find((temp / "flipped.pt").string()), std::string::npos);
    }
    expect_identical(models::state_dict(*other), before);
  }
}

// --resume's loader: a damaged latest checkpoint falls back to the previous good one; when both
// are damaged the error names both.
TEST(CheckpointTest, ADamagedLatestFallsBackToThePreviousOne) {
  TempDir temp;
  auto model = make_model(13);
  auto optimizer = make_adamw(*model);
  const fs::path path = temp / "checkpoint.pt";
  TrainProgress progress = sample_progress();
  progress.epochs_completed = 1;
  save_checkpoint(path, *model, *optimizer, progress);
  progress.epochs_completed = 2;
  save_checkpoint(path, *model, *optimizer, progress);
  fs::resize_file(path, fs::file_size(path) / 2);  // as a crash mid-copy to other storage leaves it

  auto restored = make_model(14);
  auto restored_optimizer = make_adamw(*restored);
  fs::path used;
  EXPECT_EQ(load_latest_good_checkpoint(path, *restored, *restored_optimizer, &used).epochs_completed, 1);
  EXPECT_EQ(used, previous_checkpoint_path(path));

  fs::resize_file(previous_checkpoint_path(path), 100);
  try {
    load_latest_good_checkpoint(path, *restored, *restored_optimizer);
    FAIL() << "expected UserError";
  } catch (const UserError& error) {
    const std::string what = error.what();
    EXPECT_NE(what.find(path.string()), std::string::npos) << what;
    EXPECT_NE(what.find(previous_checkpoint_path(path).string()), std::string::npos) << what;
  }
  fs::remove(path);  // only the previous one left, and damaged: still a clear error
  EXPECT_THROW(load_latest_good_checkpoint(path, *restored, *restored_optimizer), UserError);
}

TEST(CheckpointTest, FailedWriteLeavesNoTempFiles) {
  TempDir temp;
  auto model = make_model(10);
  auto optimizer = make_adamw(*model);
  // The target is a directory: the rename fails, the temporary must go.
  fs::create_directories(temp / "checkpoint.pt" / "inner");
  EXPECT_ANY_THROW(save_checkpoint(temp / "checkpoint.pt", *model, *optimizer, sample_progress()));
  std::vector<std::string> entries;
  for (const auto& entry : fs::directory_iterator(temp.path())) entries.push_back(entry.path().filename().string());
  EXPECT_EQ(entries, std::vector<std::string>{"checkpoint.pt"});
}

}  // namespace
}  // namespace tessera::run
