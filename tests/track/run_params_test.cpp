// Config -> MLflow params: every leaf once, under its dotted key, with paths reduced to names.
#include "tessera/track/run_params.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

namespace tessera::track {
namespace {

config::ExperimentConfig patient_config() {
  return config::parse_config(
      "runtime: {name: ct, mlflow_dir: /home/radiology/mlruns}\n"
      "data: {train: /data/patients/Doe^John/train, val: relative/val/, channels: 1, mean: [0.5], std: [0.25]}\n"
      "model: {name: resnet18, init_weights: /weights/imagenet/resnet18.safetensors}\n"
      "optim: {lr: 0.005}\n",
      "ct.yaml");
}

TEST(RunParams, PathHintKeepsTheLastComponent) {
  EXPECT_EQ(path_hint("/data/patients/Doe^John/ct"), "ct");
  EXPECT_EQ(path_hint("data/digits/train/"), "train");
  EXPECT_EQ(path_hint("a/./b/../c"), "c");
  EXPECT_EQ(path_hint("/"), "");
  EXPECT_EQ(path_hint("cuda:0"), "cuda:0");
  EXPECT_EQ(path_hint(""), "");
}

TEST(RunParams, EveryLeafIsADottedParamWithoutPaths) {
  const auto params = config_params(patient_config());
  EXPECT_EQ(params.at("optim.lr"), "0.005");
  EXPECT_EQ(params.at("model.name"), "resnet18");
  EXPECT_EQ(params.at("data.channels"), "1");
  EXPECT_EQ(params.at("data.mean"), "[0.5]");
  EXPECT_EQ(params.at("data.train"), "train");
  EXPECT_EQ(params.at("data.val"), "val");
  EXPECT_EQ(params.at("data.test"), "");
  EXPECT_EQ(params.at("model.init_weights"), "resnet18.safetensors");
  EXPECT_EQ(params.at("runtime.mlflow_dir"), "mlruns");
  EXPECT_EQ(params.at("runtime.mlflow_experiment"), "tessera");
  EXPECT_EQ(params.at("runtime.output_dir"), "models");
  for (const auto& [key, value] : params) {
    EXPECT_EQ(value.find('/'), std::string::npos) << key << " = " << value;
    EXPECT_EQ(value.find("Doe"), std::string::npos) << key;
  }
  // One param per leaf of the resolved config (the same count the YAML has).
  std::size_t leaves = 0;
  const std::function<void(const YAML::Node&)> count = [&](const YAML::Node& node) {
    if (node.IsMap()) {
      for (const auto& item : node) count(item.second);
    } else {
      ++leaves;
    }
  };
  count(YAML::Load(config::to_yaml(patient_config())));
  EXPECT_EQ(params.size(), leaves);
}

TEST(RunParams, TheShareableConfigParsesBackWithPathsReduced) {
  const std::string yaml = shareable_config_yaml(patient_config());
  EXPECT_EQ(yaml.find("Doe"), std::string::npos);
  EXPECT_EQ(yaml.find("/data"), std::string::npos);
  // Still a valid Tessera config, equal to the original apart from the paths.
  const auto parsed = config::parse_config(yaml, "shared.yaml");
  EXPECT_EQ(parsed.data.train, "train");
  EXPECT_EQ(parsed.model.init_weights, "resnet18.safetensors");
  EXPECT_DOUBLE_EQ(parsed.optim.lr, 0.005);
  EXPECT_EQ(parsed.data.mean, std::vector<double>{0.5});
  EXPECT_EQ(parsed.runtime.name, "ct");
}

TEST(RunParams, TheTrackingKeysAreValidated) {
  const auto defaults = config::parse_config("", "empty.yaml");
  EXPECT_EQ(defaults.runtime.mlflow_dir, "") << "tracking is off unless asked for";
  EXPECT_EQ(defaults.runtime.mlflow_experiment, "tessera");
  try {
    config::parse_config("runtime: {mlflow_dir: mlruns, mlflow_experiment: ''}\n", "c.yaml");
    FAIL() << "an empty experiment name must be refused";
  } catch (const config::ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("runtime.mlflow_experiment"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace tessera::track
