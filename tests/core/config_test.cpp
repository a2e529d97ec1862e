#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tessera/core/atomic_file.h"
#include "core/config_error.h"
#include "tessera/core/config/experiment.h"
#include "tessera/core/remove_tree.h"

namespace tessera::config {
namespace {

namespace fs = std::filesystem;

using testing::error_of;

TEST(Config, DefaultsWhenEmpty) {
  const ExperimentConfig config = parse_config("", "empty.yaml");
  EXPECT_EQ(config.runtime.device, "auto");
  EXPECT_EQ(config.optim.name, Optimizer::adamw);
  EXPECT_EQ(config.data.crop, (Size2{224, 224}));
  EXPECT_EQ(config.train.epochs, 10);
}

TEST(Config, ReadsEveryKindOfField) {
  const ExperimentConfig config = parse_config(R"(
runtime: {device: cpu, seed: 7, threads: 2}
data: {train: a, channels: 1, mean: 0.5, std: [0.25], crop: [20, 24], resize: 32, hflip: 0.5}
model: {name: resnet18, num_classes: 4}
optim: {name: sgd, lr: 0.1, nesterov: true, betas: [0.8, 0.9]}
train: {epochs: 3, class_weights: balanced, early_stopping: {patience: 2}}
eval: {top_k: 3}
)",
                                               "full.yaml");
  EXPECT_EQ(config.runtime.seed, 7u);
  EXPECT_EQ(config.data.mean, std::vector<double>{0.5});
  EXPECT_EQ(config.data.crop, (Size2{20, 24}));
  EXPECT_EQ(config.data.resize, (Size2{32, 32}));
  EXPECT_EQ(config.model.num_classes, 4);
  EXPECT_TRUE(config.optim.nesterov);
  EXPECT_TRUE(config.train.class_weights.balanced);
  EXPECT_EQ(config.train.early_stopping.patience, 2);
  EXPECT_EQ(config.eval.top_k, 3);
}

TEST(Config, OverridesGoThroughTheSameParser) {
  const ExperimentConfig config =
      parse_config("optim: {lr: 0.1}\n", "x.yaml", {"optim.lr=0.01", "data.crop=[8, 9]", "train.early_stopping.patience=4"});
  EXPECT_DOUBLE_EQ(config.optim.lr, 0.01);
  EXPECT_EQ(config.data.crop, (Size2{8, 9}));
  EXPECT_EQ(config.train.early_stopping.patience, 4);
}

TEST(Config, OverrideErrorsPointAtTheArgument) {
  EXPECT_EQ(error_of("", {"optim.lr=abc"}), "--set optim.lr=abc: optim.lr: expected a number, got 'abc'");
  EXPECT_EQ(error_of("", {"optim.lrr=1"}), "--set optim.lrr=1: optim.lrr: unknown key; did you mean 'optim.lr'?");
  EXPECT_EQ(error_of("", {"optim.lr"}), "--set optim.lr: expected key.path=value, e.g. --set optim.lr=0.01");
  EXPECT_EQ(error_of("", {"train.epochs=0"}), "--set train.epochs=0: train.epochs: must be > 0 (got 0)");
}

TEST(Config, ResolvedYamlRoundTrips) {
  ExperimentConfig config = parse_config("data: {channels: 1, mean: [0.1], std: [0.3], crop: [20, 20]}\n"
                                         "train: {class_weights: [1, 2.5]}\nruntime: {name: demo}\n",
                                         "x.yaml");
  const std::string yaml = to_yaml(config);
  const ExperimentConfig again = parse_config(yaml, "resolved.yaml");
  EXPECT_EQ(to_yaml(again), yaml);
  EXPECT_EQ(again.train.class_weights.values, (std::vector<double>{1, 2.5}));
  EXPECT_EQ(again.data.std, std::vector<double>{0.3});
  EXPECT_EQ(again.runtime.name, "demo");
}

TEST(Config, LoadConfigNamesRunAfterFileAndReportsMissingFile) {
  const fs::path dir = fs::temp_directory_path() / "tessera_config_test";
  fs::create_directories(dir);
  write_file_atomic(dir / "my_run.yaml", "train: {epochs: 2}\n");
  EXPECT_EQ(load_config(dir / "my_run.yaml").runtime.name, "my_run");
  try {
    load_config(dir / "missing.yaml");
    FAIL() << "expected an error";
  } catch (const ConfigError& error) {
    EXPECT_EQ(std::string(error.what()), "config file not found: " + (dir / "missing.yaml").string());
  }
  tessera::remove_tree(dir);
}

TEST(Config, DicomWindowDefaultsToTheFilesOwn) {
  const ExperimentConfig config = parse_config("", "empty.yaml");
  EXPECT_EQ(config.data.window.name, "file");
  EXPECT_FALSE(config.data.window.is_explicit());
}

TEST(Config, DicomWindowNamesAndExplicitValues) {
  for (const char* name : {"file", "minmax", "brain", "soft_tissue", "abdomen", "lung", "bone"}) {
    EXPECT_EQ(parse_config(std::string("data: {window: ") + name + "}\n", "x.yaml").data.window.name, name);
  }
  const ExperimentConfig config = parse_config("data: {window: [-600, 1500]}\n", "x.yaml");
  EXPECT_TRUE(config.data.window.is_explicit());
  EXPECT_DOUBLE_EQ(config.data.window.center, -600);
  EXPECT_DOUBLE_EQ(config.data.window.width, 1500);
  // Written back the way it was given, so a run's resolved config reads again.
  const ExperimentConfig again = parse_config(to_yaml(config), "resolved.yaml");
  EXPECT_TRUE(again.data.window.is_explicit());
  EXPECT_DOUBLE_EQ(again.data.window.width, 1500);
  EXPECT_EQ(parse_config(to_yaml(parse_config("data: {window: bone}\n", "x.yaml")), "r.yaml").data.window.name, "bone");
  EXPECT_EQ(parse_config("", "x.yaml", {"data.window=[40, 80]"}).data.window.center, 40);
}

TEST(Config, DicomWindowPresetsAreTheDocumentedHounsfieldWindows) {
  EXPECT_EQ(window_preset("brain"), (std::array<double, 2>{40, 80}));
  EXPECT_EQ(window_preset("soft_tissue"), (std::array<double, 2>{40, 400}));
  EXPECT_EQ(window_preset("abdomen"), (std::array<double, 2>{40, 400}));
  EXPECT_EQ(window_preset("lung"), (std::array<double, 2>{-600, 1500}));
  EXPECT_EQ(window_preset("bone"), (std::array<double, 2>{400, 1800}));
  EXPECT_FALSE(window_preset("file").has_value());
  EXPECT_FALSE(window_preset("minmax").has_value());
}

TEST(Config, DicomWindowMistakes) {
  const std::string expected =
      "expected a window name (file, minmax, brain, soft_tissue, abdomen, lung, bone) or [centre, width]";
  EXPECT_EQ(error_of("data: {window: lungs}\n"),
            "test.yaml:1:8: data.window: unknown value 'lungs' (expected one of: file, minmax, brain, soft_tissue, "
            "abdomen, lung, bone); did you mean 'lung'?");
  EXPECT_EQ(error_of("data: {window: [40]}\n"), "test.yaml:1:16: data.window: " + expected + ", got 'a list'");
  EXPECT_EQ(error_of("data: {window: [40, 80, 3]}\n"), "test.yaml:1:16: data.window: " + expected + ", got 'a list'");
  EXPECT_EQ(error_of("data: {window: [a, 80]}\n"), "test.yaml:1:16: data.window: " + expected + ", got 'a list'");
  EXPECT_EQ(error_of("data: {window: {c: 1}}\n"), "test.yaml:1:16: data.window: " + expected + ", got 'a map'");
  EXPECT_EQ(error_of("data: {window: [40, 0.5]}\n"),
            "test.yaml:1:8: data.window: width must be >= 1 (the linear VOI function divides by width - 1), got 0.5");
  EXPECT_EQ(error_of("data: {window: [40, -80]}\n"),
            "test.yaml:1:8: data.window: width must be >= 1 (the linear VOI function divides by width - 1), got -80");
  EXPECT_EQ(error_of("", {"data.window=Bone"}),
            "--set data.window=Bone: data.window: unknown value 'Bone' (expected one of: file, minmax, brain, "
            "soft_tissue, abdomen, lung, bone); did you mean 'bone'?");
}

TEST(Config, DecodeWorkersAreACountOrAuto) {
  EXPECT_EQ(parse_config("", "x.yaml").data.workers, (ThreadCount{true, 0}));  // the default
  EXPECT_EQ(parse_config("data: {workers: 6}\n", "x.yaml").data.workers, (ThreadCount{false, 6}));
  const ExperimentConfig config = parse_config("data: {workers: 3}\n", "x.yaml", {"data.workers=auto"});
  EXPECT_TRUE(config.data.workers.automatic);
  EXPECT_NE(to_yaml(config).find("workers: auto"), std::string::npos);  // saved as written, not as resolved
  EXPECT_EQ(parse_config(to_yaml(parse_config("data: {workers: 5}\n", "x.yaml")), "again.yaml").data.workers,
            (ThreadCount{false, 5}));
  EXPECT_EQ(error_of("data: {workers: many}\n"), "test.yaml:1:17: data.workers: expected a number of threads or auto, got 'many'");
  EXPECT_EQ(error_of("", {"data.workers=0"}), "--set data.workers=0: data.workers: must be > 0 (got 0)");
}

TEST(Config, ClosestMatch) {
  EXPECT_EQ(closest_match("lrr", {"lr", "eps"}), "lr");
  EXPECT_EQ(closest_match("zzzzzz", {"lr", "eps"}), "");
}

// Every documented example config parses as it stands (the default one is also trained in full
// by the slow end-to-end test).
TEST(Config, EveryExampleConfigParses) {
  int parsed = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(TESSERA_SOURCE_DIR) / "configs")) {
    if (entry.path().extension() != ".yaml") continue;
    EXPECT_NO_THROW(load_config(entry.path())) << entry.path();
    ++parsed;
  }
  EXPECT_GE(parsed, 2);
}

// Every file in tests/fixtures/bad_configs must fail with the message on its first line
// ("# expect: <message>"): the location (file:line:col), the key path and the problem.
TEST(Config, BadConfigsFailWithTheirExpectedMessage) {
  const fs::path dir = fs::path(TESSERA_TEST_FIXTURES_DIR) / "bad_configs";
  int checked = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string text = read_file(entry.path());
    const std::string first_line = text.substr(0, text.find('\n'));
    const std::string marker = "# expect: ";
    ASSERT_TRUE(first_line.starts_with(marker)) << entry.path();
    const std::string expected = first_line.substr(marker.size());
    std::string actual = "(no error)";
    try {
      parse_config(text, "bad_configs/" + entry.path().filename().string());
    } catch (const ConfigError& error) {
      actual = error.what();
    }
    EXPECT_EQ(actual, expected) << entry.path();
    ++checked;
  }
  EXPECT_GE(checked, 12);
}

}  // namespace
}  // namespace tessera::config

namespace tessera::config {
namespace {

TEST(Config, RenamedKeysStillReadAndAreWrittenUnderTheirNewName) {
  // Run directories made before model.weights became model.init_weights keep opening.
  const ExperimentConfig old = parse_config("model: {weights: start.safetensors}\n", "old.yaml");
  EXPECT_EQ(old.model.init_weights, "start.safetensors");
  const std::string yaml = to_yaml(old);
  EXPECT_NE(yaml.find("init_weights: start.safetensors"), std::string::npos) << yaml;
  EXPECT_EQ(yaml.find(" weights:"), std::string::npos) << yaml;
  try {
    parse_config("model: {weights: a.safetensors, init_weights: b.safetensors}\n", "both.yaml");
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("model.weights: is the old name of init_weights"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace tessera::config
