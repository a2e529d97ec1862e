// The eval section's report settings: defaults, reading, validation messages, round trip.
#include <gtest/gtest.h>

#include "core/config_error.h"
#include "tessera/core/config/experiment.h"

namespace tessera::config {
namespace {

using testing::error_of;

TEST(EvalConfig, ReportDefaults) {
  const auto eval = parse_config("", "empty.yaml").eval;
  EXPECT_EQ(eval.calibration_bins, 15);
  EXPECT_EQ(eval.threshold, 0.5);
  EXPECT_EQ(eval.target_sensitivity, 0.95);
  EXPECT_EQ(eval.positive_class, "");
  EXPECT_EQ(eval.mistakes, 16);
}

TEST(EvalConfig, ReadsAndRoundTrips) {
  const auto config = parse_config(
      "eval: {calibration_bins: 10, threshold: 0.3, target_sensitivity: 0.9, positive_class: malignant, mistakes: 0}\n",
      "x.yaml");
  EXPECT_EQ(config.eval.calibration_bins, 10);
  EXPECT_EQ(config.eval.threshold, 0.3);
  EXPECT_EQ(config.eval.target_sensitivity, 0.9);
  EXPECT_EQ(config.eval.positive_class, "malignant");
  EXPECT_EQ(config.eval.mistakes, 0);
  const auto again = parse_config(to_yaml(config), "resolved.yaml");
  EXPECT_EQ(to_yaml(again), to_yaml(config));
  EXPECT_EQ(again.eval.positive_class, "malignant");
}

TEST(EvalConfig, ValidationNamesTheKey) {
  EXPECT_EQ(error_of("", {"eval.calibration_bins=0"}),
            "--set eval.calibration_bins=0: eval.calibration_bins: must be between 1 and 1000 (got 0)");
  EXPECT_EQ(error_of("", {"eval.threshold=1.5"}),
            "--set eval.threshold=1.5: eval.threshold: must be between 0 and 1 (got 1.5)");
  EXPECT_EQ(error_of("", {"eval.target_sensitivity=0"}),
            "--set eval.target_sensitivity=0: eval.target_sensitivity: must be > 0 (got 0)");
  EXPECT_EQ(error_of("", {"eval.target_sensitivity=2"}),
            "--set eval.target_sensitivity=2: eval.target_sensitivity: must be between 0 and 1 (got 2)");
  EXPECT_EQ(error_of("", {"eval.mistakes=-1"}),
            "--set eval.mistakes=-1: eval.mistakes: must be between 0 and 10000 (got -1)");
  EXPECT_EQ(error_of("eval:\n  mistake: 3\n"), "test.yaml:2:3: eval.mistake: unknown key; did you mean 'eval.mistakes'?");
}

}  // namespace
}  // namespace tessera::config
