// model.init_weights through the CLI: fine-tuning a trained run's weights, a transfer to fewer
// classes (only the classifier starts fresh) and a refusal that names what does not fit.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "e2e/cli.h"

namespace tessera::e2e {
namespace {
namespace fs = std::filesystem;

double first_epoch_val_accuracy(const fs::path& run) {
  std::istringstream lines(read_text(run / "metrics.jsonl"));
  std::string first;
  std::getline(lines, first);
  return nlohmann::json::parse(first).at("val_accuracy").get<double>();
}

TEST(InitWeights, FineTuningStartsFromTheGivenWeights) {
  const fs::path source = trained_quick_run();
  const fs::path dir = fresh_dir("finetune");
  std::ofstream(dir / "quick.yaml") << quick_digits_config(dir, /*epochs=*/1);
  const auto result = run_tessera({"train", (dir / "quick.yaml").string(), "--set",
                                   "model.init_weights=" + (source / "weights.safetensors").string()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("model.init_weights: loaded"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("replaced"), std::string::npos) << "same classes: the classifier is kept";
  // One epoch from trained weights beats the source run's own first epoch from scratch.
  const fs::path run = dir / "quick";
  const double from_scratch = first_epoch_val_accuracy(source);
  const double fine_tuned = first_epoch_val_accuracy(run);
  EXPECT_GT(fine_tuned, from_scratch + 0.05) << "scratch " << from_scratch << ", fine-tuned " << fine_tuned;
  // The run records where it started, so it can be reproduced.
  EXPECT_NE(read_text(run / "config.yaml").find("init_weights"), std::string::npos);
}

TEST(InitWeights, FewerClassesReplaceOnlyTheClassifier) {
  const fs::path source = trained_quick_run();
  const fs::path dir = fresh_dir("transfer");
  // Five of the ten digits, as a smaller task to transfer to.
  for (const char* split : {"train", "val", "test"}) {
    for (int digit = 0; digit < 5; ++digit) {
      fs::create_directories(dir / "five" / split);
      fs::create_directory_symlink(digits_dir() / split / std::to_string(digit),
                                   dir / "five" / split / std::to_string(digit));
    }
  }
  std::string config = quick_digits_config(dir, 1);
  for (const char* split : {"train", "val", "test"}) {
    const std::string from = (digits_dir() / split).string();
    config.replace(config.find(from), from.size(), (dir / "five" / split).string());
  }
  std::ofstream(dir / "quick.yaml") << config;
  const auto result = run_tessera({"train", (dir / "quick.yaml").string(), "--set",
                                   "model.init_weights=" + (source / "weights.safetensors").string()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("classifier 'fc' replaced"), std::string::npos) << result.err;
  EXPECT_GT(first_epoch_val_accuracy(dir / "quick"), 0.9) << "pretrained features transfer";
}

TEST(InitWeights, WeightsOfAnotherShapeAreRefusedWithEveryProblemListed) {
  const fs::path source = trained_quick_run();
  const fs::path dir = fresh_dir("refuse");
  std::ofstream(dir / "quick.yaml") << quick_digits_config(dir, 1);
  const auto result = run_tessera({"train", (dir / "quick.yaml").string(), "--set", "model.width=16", "--set",
                                   "model.init_weights=" + (source / "weights.safetensors").string()});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.err.find("does not fit simple_cnn"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("misshaped"), std::string::npos) << result.err;
  EXPECT_FALSE(fs::exists(dir / "quick" / "weights.safetensors"));
}

}  // namespace
}  // namespace tessera::e2e
