// Weights that travel between Tessera and torchvision:
//  - export: a Tessera ResNet saved the way the trainer saves weights.safetensors loads into
//    torchvision's ResNet with strict=True, and torchvision's logits equal ours (max abs <= 1e-4);
//  - import (model.init_weights): torchvision's weights load into Tessera's ResNet; with another
//    class count the classifier is replaced and everything else is torchvision's; a file that
//    does not fit is refused with every missing, unexpected and misshaped tensor listed.
#include "tessera/models/init_weights.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "models/test_util.h"
#include "tessera/core/error.h"
#include "tessera/core/logging.h"
#include "tessera/models/resnet.h"
#include "tessera/models/safetensors.h"

namespace tessera::models {
namespace {

using testing::run_python;
using testing::script;
using testing::shell_quote;

constexpr double kLogitTolerance = 1e-4;  // float32 through ~50 layers, logits O(1)

torch::Tensor zeros(std::vector<std::int64_t> shape) { return torch::zeros(shape); }

TEST(InitWeights, MatchSortsTensorsIntoUsableMissingUnexpectedMisshapedAndHead) {
  const std::map<std::string, torch::Tensor> model = {
      {"a", zeros({2})}, {"b", zeros({3})}, {"d", zeros({1})}, {"fc.weight", zeros({10, 4})}, {"fc.bias", zeros({10})}};
  const std::map<std::string, torch::Tensor> file = {
      {"a", zeros({2})}, {"b", zeros({4})}, {"c", zeros({1})}, {"fc.weight", zeros({1000, 4})}, {"fc.bias", zeros({1000})}};
  const InitWeightsMatch match = match_init_weights(model, file, "fc.");
  EXPECT_EQ(match.usable.size(), 1u);
  EXPECT_TRUE(match.usable.count("a"));
  EXPECT_EQ(match.missing, (std::vector<std::string>{"d"}));
  EXPECT_EQ(match.unexpected, (std::vector<std::string>{"c"}));
  ASSERT_EQ(match.misshaped.size(), 1u);
  EXPECT_NE(match.misshaped[0].find("b: file [4] vs model [3]"), std::string::npos) << match.misshaped[0];
  EXPECT_EQ(match.head_kept.size(), 2u);
  EXPECT_FALSE(match.fits());
}

TEST(InitWeights, HalfAFittingHeadIsNotMixedIntoAFreshOne) {
  // fc.bias happens to fit (same length) but fc.weight does not: both stay fresh.
  const std::map<std::string, torch::Tensor> model = {{"fc.weight", zeros({10, 4})}, {"fc.bias", zeros({10})}};
  const std::map<std::string, torch::Tensor> file = {{"fc.weight", zeros({10, 8})}, {"fc.bias", zeros({10})}};
  const InitWeightsMatch match = match_init_weights(model, file, "fc.");
  EXPECT_TRUE(match.usable.empty());
  EXPECT_EQ(match.head_kept.size(), 2u);
  EXPECT_TRUE(match.fits());
}

TEST(InitWeights, RefusalListsEveryProblemAndNamesTheFile) {
  const tessera::testing::TempDir dir;
  auto net = resnet18(10);
  auto tensors = state_dict(*net);
  tensors.erase("layer4.1.bn2.weight");
  tensors.erase("layer1.0.conv1.weight");
  tensors["extra.weight"] = zeros({3});
  tensors["conv1.weight"] = zeros({64, 1, 7, 7});  // a grey model's stem into an RGB model
  const auto path = dir.path() / "bad.safetensors";
  save_safetensors(path, tensors);
  try {
    load_init_weights(*net, "resnet18", path);
    FAIL() << "expected a UserError";
  } catch (const UserError& e) {
    const std::string message = e.what();
    for (const char* part : {"bad.safetensors", "does not fit resnet18", "2 missing", "layer4.1.bn2.weight",
                             "layer1.0.conv1.weight", "1 unexpected (extra.weight)", "1 misshaped",
                             "conv1.weight: file [64, 1, 7, 7] vs model [64, 3, 7, 7]"}) {
      EXPECT_NE(message.find(part), std::string::npos) << part << " not in: " << message;
    }
    EXPECT_EQ(message.find('\n'), std::string::npos) << "one line";
  }
}

class TorchvisionInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::python_has("torch, torchvision, safetensors")) {
      GTEST_SKIP() << "the venv's Python lacks torch/torchvision/safetensors (tools/setup.sh installs them)";
    }
    log::init("warn");
  }
  tessera::testing::TempDir dir_;
};

// What torchvision_reference.py does to BatchNorm, so eval-mode BN is not the identity.
void perturb_batch_norm(torch::nn::Module& net) {
  torch::NoGradGuard no_grad;
  torch::manual_seed(99);
  for (auto& m : net.modules()) {
    if (auto* bn = m->as<torch::nn::BatchNorm2d>()) {
      bn->weight.uniform_(0.6, 1.0);
      bn->bias.normal_(0.0, 0.1);
      bn->running_mean.normal_(0.0, 0.1);
      bn->running_var.uniform_(0.5, 1.5);
    }
  }
}

TEST_F(TorchvisionInterop, ExportedWeightsLoadStrictlyIntoTorchvisionWithTheSameLogits) {
  struct Case {
    const char* arch;
    std::int64_t classes, channels;
  };
  for (const Case c : {Case{"resnet18", 7, 1}, Case{"resnet50", 5, 3}}) {
    SCOPED_TRACE(c.arch);
    torch::manual_seed(5);
    ResNet net = std::string(c.arch) == "resnet18" ? resnet18(c.classes, c.channels) : resnet50(c.classes, c.channels);
    perturb_batch_norm(*net);
    net->eval();
    const torch::Tensor input = torch::randn({3, c.channels, 64, 64});
    torch::Tensor ours;
    {
      torch::NoGradGuard no_grad;
      ours = net->forward(input);
    }
    const auto weights = dir_.path() / (std::string(c.arch) + ".safetensors");
    const auto input_path = dir_.path() / "input.safetensors";
    const auto output_path = dir_.path() / "output.safetensors";
    save_safetensors(weights, state_dict(*net), {{"labels", "a,b"}});  // as the trainer writes it
    save_safetensors(input_path, {{"input", input}});
    ASSERT_EQ(run_python(script("torchvision_load_check.py") + " " + c.arch + " " + std::to_string(c.classes) + " " +
                         std::to_string(c.channels) + " " + shell_quote(weights.string()) + " " +
                         shell_quote(input_path.string()) + " " + shell_quote(output_path.string())),
              0);
    const torch::Tensor theirs = load_safetensors(output_path).tensors.at("output");
    ASSERT_EQ(theirs.sizes(), ours.sizes());
    const double diff = (theirs - ours).abs().max().item<double>();
    std::printf("export %s: max |logit difference| vs torchvision %.2e\n", c.arch, diff);
    EXPECT_LE(diff, kLogitTolerance);
  }
}

TEST_F(TorchvisionInterop, TorchvisionWeightsImportWithTheSameLogits) {
  const auto weights = dir_.path() / "tv.safetensors";
  const auto io = dir_.path() / "io.safetensors";
  ASSERT_EQ(run_python(script("torchvision_reference.py") + " resnet50 5 3 " + shell_quote(weights.string()) + " " +
                       shell_quote(io.string())),
            0);
  ResNet net = resnet50(5, 3);
  load_init_weights(*net, "resnet50", weights);
  net->eval();
  const TensorFile reference = load_safetensors(io);
  torch::NoGradGuard no_grad;
  const torch::Tensor ours = net->forward(reference.tensors.at("input"));
  const double diff = (ours - reference.tensors.at("output")).abs().max().item<double>();
  std::printf("import resnet50: max |logit difference| vs torchvision %.2e\n", diff);
  EXPECT_LE(diff, kLogitTolerance);
}

TEST_F(TorchvisionInterop, AnotherClassCountReplacesOnlyTheClassifier) {
  // torchvision's 1000-class ImageNet layout into a 10-class model: the backbone is
  // torchvision's bit for bit and the head is fresh. Giving the fresh head the first 10 rows
  // of torchvision's classifier then reproduces torchvision's first 10 logits.
  const auto weights = dir_.path() / "tv1000.safetensors";
  const auto io = dir_.path() / "io.safetensors";
  ASSERT_EQ(run_python(script("torchvision_reference.py") + " resnet18 1000 3 " + shell_quote(weights.string()) + " " +
                       shell_quote(io.string())),
            0);
  ResNet net = resnet18(10, 3);
  load_init_weights(*net, "resnet18", weights);
  const TensorFile file = load_safetensors(weights);
  const auto loaded = state_dict(*net);
  for (const auto& [name, tensor] : loaded) {
    if (name.rfind("fc.", 0) == 0) continue;
    EXPECT_TRUE(torch::equal(tensor, file.tensors.at(name))) << name;
  }
  EXPECT_EQ(loaded.at("fc.weight").sizes(), (std::vector<std::int64_t>{10, 512}));
  EXPECT_FALSE(torch::equal(loaded.at("fc.weight"), file.tensors.at("fc.weight").slice(0, 0, 10)));
  {
    torch::NoGradGuard no_grad;
    net->fc->weight.copy_(file.tensors.at("fc.weight").slice(0, 0, 10));
    net->fc->bias.copy_(file.tensors.at("fc.bias").slice(0, 0, 10));
  }
  net->eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor ours = net->forward(load_safetensors(io).tensors.at("input"));
  const torch::Tensor theirs = load_safetensors(io).tensors.at("output").slice(1, 0, 10);
  EXPECT_LE((ours - theirs).abs().max().item<double>(), kLogitTolerance);
}

}  // namespace
}  // namespace tessera::models
