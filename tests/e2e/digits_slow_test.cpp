// The README's promise for the default demo (configs/digits.yaml on the bundled digits split),
// checked the way it is stated: over several seeds, not one run that may sit on its floor.
// Measured over seeds 0-4 on the 2-core AMD EPYC build machine (README, bench/RESULTS.md, 2026-12-07):
// 98.4, 98.8, 98.4, 98.6, 98.6% (median 98.6%). Other CPU kinds round differently and move a
// single run by a test image or two (0.2 points each; a Xeon gave 98.8% for seed 0), so the floors
// keep that margin: seeds 0, 1 and 2 with a median of at least 98.2% and none below 98.0%. The
// training time against the PyTorch peer is a benchmark (bench/run.sh part c), not a pass/fail
// check here.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <vector>

#include "e2e/cli.h"

namespace tessera::e2e {
namespace {
namespace fs = std::filesystem;

TEST(DefaultConfig, DigitsReachTheDocumentedTestAccuracyOverSeeds) {
  const fs::path dir = fresh_dir("digits");
  const fs::path digits = digits_dir();
  std::vector<double> accuracies;
  for (const int seed : {0, 1, 2}) {
    const std::string name = "digits-seed" + std::to_string(seed);
    const auto result = run_tessera({"train", std::string(TESSERA_SOURCE_DIR) + "/configs/digits.yaml",
                                     "--set", "runtime.output_dir=" + (dir / "models").string(),
                                     "--set", "runtime.name=" + name,
                                     "--set", "runtime.seed=" + std::to_string(seed),
                                     "--set", "runtime.device=cpu",
                                     "--set", "data.train=" + (digits / "train").string(),
                                     "--set", "data.val=" + (digits / "val").string(),
                                     "--set", "data.test=" + (digits / "test").string()});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    std::ifstream in(dir / "models" / name / "test_metrics.json");
    const auto test = nlohmann::json::parse(in);
    EXPECT_EQ(test["count"], 500);
    const double accuracy = test["accuracy"].get<double>();
    std::cout << "seed " << seed << ": test accuracy " << accuracy << "\n";
    EXPECT_GE(accuracy, 0.980) << "seed " << seed << "\n" << result.out;
    accuracies.push_back(accuracy);
  }
  std::sort(accuracies.begin(), accuracies.end());
  EXPECT_GE(accuracies[1], 0.982) << "median of seeds 0-2";
}

}  // namespace
}  // namespace tessera::e2e
