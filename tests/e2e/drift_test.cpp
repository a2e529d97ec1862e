// Data fingerprint and drift reference written by `tessera train`, and `tessera drift` on data
// like the training data (exit 0) and on shifted copies of it (exit 3), through the CLI.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <fstream>
#include <functional>
#include <sstream>

#include "e2e/cli.h"

namespace tessera::e2e {
namespace {
namespace fs = std::filesystem;

nlohmann::json read_json(const fs::path& path) { return nlohmann::json::parse(read_text(path)); }

// Copies of the digits' test images (flat, no class folders: drift needs no labels), changed by `shift`.
fs::path shifted_copy(const std::string& name, const std::function<cv::Mat(const cv::Mat&)>& shift) {
  const fs::path out = fresh_dir(name);
  int written = 0;
  for (const auto& entry : fs::recursive_directory_iterator(digits_dir() / "test")) {
    if (entry.path().extension() != ".png") continue;
    const cv::Mat image = cv::imread(entry.path().string(), cv::IMREAD_UNCHANGED);
    const std::string file = entry.path().parent_path().filename().string() + "_" + entry.path().filename().string();
    cv::imwrite((out / file).string(), shift(image));
    ++written;
  }
  EXPECT_EQ(written, 500);
  return out;
}

std::vector<std::string> drifted(const nlohmann::json& report) {
  return report["drifted_features"].get<std::vector<std::string>>();
}

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

TEST(Drift, TrainingWritesTheDataFingerprintAndTheDriftReference) {
  const fs::path run = trained_quick_run();
  const auto fingerprint = read_json(run / "data_fingerprint.json");
  EXPECT_EQ(fingerprint["algorithm"], "sha256");
  EXPECT_EQ(fingerprint["splits"]["train"]["files"], 4000);
  EXPECT_EQ(fingerprint["splits"]["val"]["files"], 500);
  EXPECT_EQ(fingerprint["splits"]["test"]["files"], 500);
  const std::string train_hash = fingerprint["splits"]["train"]["sha256"];
  EXPECT_EQ(train_hash.size(), 64u);
  EXPECT_NE(train_hash, fingerprint["splits"]["test"]["sha256"].get<std::string>());
  // The log shows the hash, never a sample's path.
  const std::string log = read_text(run / "train.log");
  EXPECT_NE(log.find("sha256 " + train_hash), std::string::npos);
  EXPECT_EQ(log.find(".png"), std::string::npos);

  const auto reference = read_json(run / "drift_reference.json");
  EXPECT_EQ(reference["format"], "tessera-drift-reference-1");
  EXPECT_EQ(reference["train_samples"], 4000);
  EXPECT_EQ(reference["features"]["images"], 2000) << "drift.max_reference_images";
  EXPECT_EQ(reference["prediction_split"], "val");
  EXPECT_EQ(reference["features"]["predicted_images"], 500);
  EXPECT_EQ(reference["features"]["pixel_histograms"]["grey"].size(), 32u);
  EXPECT_EQ(reference["features"]["numeric"]["width"]["sample"][0], 20.0);
  EXPECT_NE(log.find("drift reference: 2000 of 4000 training images, 500 val predictions in"), std::string::npos);
}

TEST(Drift, TheTestSplitOfTheSameDataDoesNotDrift) {
  const fs::path out = fresh_dir("same");
  const auto result = run_tessera({"drift", trained_quick_run().string(), "--data", (digits_dir() / "test").string(),
                                   "--output", (out / "drift.json").string(), "--device", "cpu"});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  const auto report = read_json(out / "drift.json");
  EXPECT_FALSE(report["drift"].get<bool>()) << report.dump(2);
  EXPECT_EQ(report["data"]["samples"], 500);
  EXPECT_EQ(report["data"]["path_hint"], "test");
  EXPECT_EQ(report["features"].size(), 7u);
  EXPECT_NE(result.out.find("no drift"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("mean_intensity.grey"), std::string::npos) << "the table lists every feature";
}

TEST(Drift, InvertedImagesDriftAndTheDriftedFeaturesAreNamed) {
  const fs::path inverted = shifted_copy("inverted", [](const cv::Mat& image) {
    cv::Mat out;
    cv::bitwise_not(image, out);
    return out;
  });
  const fs::path out = fresh_dir("inverted-report");
  const auto result = run_tessera({"drift", trained_quick_run().string(), "--data", inverted.string(), "--output",
                                   (out / "drift.json").string(), "--device", "cpu"});
  ASSERT_EQ(result.exit_code, 3) << result.out << result.err;
  const auto report = read_json(out / "drift.json");
  EXPECT_TRUE(report["drift"].get<bool>());
  const auto names = drifted(report);
  EXPECT_TRUE(contains(names, "pixel_histogram.grey")) << report["drifted_features"];
  EXPECT_TRUE(contains(names, "mean_intensity.grey")) << report["drifted_features"];
  EXPECT_FALSE(contains(names, "width")) << "the size did not change";
  EXPECT_NE(result.out.find("drift detected"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("pixel_histogram.grey"), std::string::npos);
}

TEST(Drift, DarkenedImagesFromAManifestDrift) {
  const fs::path dark = shifted_copy("darkened", [](const cv::Mat& image) {
    cv::Mat out;
    image.convertTo(out, -1, 0.4);
    return out;
  });
  std::ofstream csv(dark / "batch.csv");
  csv << "path\n";
  for (const auto& entry : fs::directory_iterator(dark)) {
    if (entry.path().extension() == ".png") csv << entry.path().filename().string() << "\n";
  }
  csv.close();
  const auto result = run_tessera({"drift", trained_quick_run().string(), "--data", (dark / "batch.csv").string(),
                                   "--output", (dark / "drift.json").string(), "--device", "cpu"});
  ASSERT_EQ(result.exit_code, 3) << result.out << result.err;
  const auto report = read_json(dark / "drift.json");
  EXPECT_EQ(report["data"]["samples"], 500);
  EXPECT_TRUE(contains(drifted(report), "mean_intensity.grey")) << report["drifted_features"];
}

TEST(Drift, MistakesAreErrors) {
  const auto not_a_run = run_tessera({"drift", fresh_dir("notrun").string(), "--data", (digits_dir() / "test").string()});
  EXPECT_EQ(not_a_run.exit_code, 1) << not_a_run.err;
  const auto missing = run_tessera({"drift", trained_quick_run().string(), "--data", "/nonexistent/folder"});
  EXPECT_EQ(missing.exit_code, 1) << missing.err;
  EXPECT_NE(missing.err.find("not found"), std::string::npos) << missing.err;
  const auto help = run_tessera({"drift", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("3 drift detected"), std::string::npos) << help.out;
}

}  // namespace
}  // namespace tessera::e2e
