// Keys that apply to one task family (model.name gpt: a language model; any other model: an image
// classifier), and the enum choices read and written through one names table.
#include <gtest/gtest.h>

#include <string>

#include "config_error.h"
#include "tessera/core/config/experiment.h"

namespace tessera::config {
namespace {
using testing::error_of;

constexpr const char* kLanguageModel = "model: {name: gpt, context: 16}\ndata: {train: corpus.txt}\n";

TEST(ConfigFamily, AKeyOfTheOtherFamilyIsAnErrorNamingIt) {
  EXPECT_EQ(error_of(std::string(kLanguageModel) + "eval: {threshold: 0.3}\n"),
            "test.yaml:3:8: eval.threshold: does not apply to a language model (model.name: gpt)");
  EXPECT_EQ(error_of(kLanguageModel, {"data.crop=32"}),
            "--set data.crop=32: data.crop: does not apply to a language model (model.name: gpt)");
  EXPECT_EQ(error_of(std::string(kLanguageModel) + "drift: {psi_bins: 4}\n"),
            "test.yaml:3:1: drift: does not apply to a language model (model.name: gpt)");
  EXPECT_EQ(error_of("model: {name: resnet18}\ntext: {tokenizer: bpe}\n"),
            "test.yaml:2:1: text: does not apply to an image classifier (model.name: resnet18)");
  EXPECT_EQ(error_of("", {"model.n_layer=2"}),
            "--set model.n_layer=2: model.n_layer: does not apply to an image classifier (model.name: simple_cnn)");
  // A --set of model.name decides the family before any key is read.
  EXPECT_EQ(error_of("data: {crop: 32}\n", {"model.name=gpt"}),
            "test.yaml:1:8: data.crop: does not apply to a language model (model.name: gpt)");
}

TEST(ConfigFamily, TheResolvedConfigShowsOnlyTheFamilysKeys) {
  const std::string lm = to_yaml(parse_config(kLanguageModel, "lm.yaml"));
  for (const char* image_key : {"channels:", "crop:", "mean:", "window:", "num_classes:", "label_smoothing:",
                                "threshold:", "infer:", "drift:", "workers:"}) {
    EXPECT_EQ(lm.find(image_key), std::string::npos) << image_key << " in\n" << lm;
  }
  EXPECT_NE(lm.find("text:"), std::string::npos) << lm;
  EXPECT_NE(lm.find("context: 16"), std::string::npos) << lm;
  EXPECT_NE(lm.find("batch_size:"), std::string::npos) << lm;

  const std::string classifier = to_yaml(parse_config("model: {name: resnet18}\n", "c.yaml"));
  for (const char* text_key : {"text:", "context:", "n_layer:", "tie_embeddings:"}) {
    EXPECT_EQ(classifier.find(text_key), std::string::npos) << text_key << " in\n" << classifier;
  }
  EXPECT_NE(classifier.find("crop:"), std::string::npos) << classifier;
  EXPECT_EQ(parse_config(lm, "lm.yaml").model.context, 16);
}

TEST(ConfigFamily, SavedConfigsFromBeforeTheSplitStillOpen) {
  // A language-model run saved its resolved config with every image key at its default.
  const std::string saved =
      "model: {name: gpt, context: 16}\ndata: {train: corpus.txt, channels: 3}\n"
      "eval: {top_k: 5}\ninfer: {series: auto}\n";
  EXPECT_EQ(parse_saved_config(saved, "config.yaml").model.context, 16);
  EXPECT_THROW(parse_config(saved, "config.yaml"), ConfigError);
  // What a user sets on top of a saved config is checked as always.
  EXPECT_THROW(parse_saved_config(saved, "config.yaml", {"data.crop=32"}), ConfigError);
}

TEST(ConfigChoices, NamesComeFromOneTableForReadingWritingAndMessages) {
  EXPECT_EQ(choice_names<Precision>(), (std::vector<std::string>{"auto", "fp32", "bf16"}));
  EXPECT_EQ(name_of(TokenizerType::character), "char");
  EXPECT_EQ(choice_named<Scheduler>("cosine"), Scheduler::cosine);
  EXPECT_FALSE(choice_named<Scheduler>("linear").has_value());

  const ExperimentConfig config = parse_config(
      "runtime: {precision: bf16}\noptim: {name: sgd, scheduler: step}\n"
      "train: {monitor: val_loss, keep: last}\n",
      "c.yaml");
  EXPECT_EQ(config.runtime.precision, Precision::bf16);
  EXPECT_EQ(config.runtime.memory_format, MemoryFormat::automatic);
  EXPECT_EQ(config.optim.name, Optimizer::sgd);
  EXPECT_EQ(config.optim.scheduler, Scheduler::step);
  EXPECT_EQ(config.train.monitor, Monitor::val_loss);
  EXPECT_EQ(config.train.keep, Keep::last);
  const std::string yaml = to_yaml(config);
  EXPECT_NE(yaml.find("precision: bf16"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("memory_format: auto"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("keep: last"), std::string::npos) << yaml;

  EXPECT_EQ(error_of("runtime: {precision: fp61}\n"),
            "test.yaml:1:11: runtime.precision: unknown value 'fp61' (expected one of: auto, fp32, bf16); "
            "did you mean 'fp32'?");
  EXPECT_EQ(error_of("optim: {scheduler: [a]}\n"), "test.yaml:1:20: optim.scheduler: expected a name, got 'a list'");
}

TEST(ConfigChoices, WindowNamesAndPresetsAreOneTable) {
  EXPECT_EQ(window_names(),
            (std::vector<std::string>{"file", "minmax", "brain", "soft_tissue", "abdomen", "lung", "bone"}));
  for (const auto& window : kWindowNames) {
    EXPECT_EQ(window_preset(std::string(window.name)).has_value(), window.preset) << window.name;
    EXPECT_EQ(parse_config("data: {window: " + std::string(window.name) + "}\n", "w.yaml").data.window.name,
              window.name);
  }
}

}  // namespace
}  // namespace tessera::config
