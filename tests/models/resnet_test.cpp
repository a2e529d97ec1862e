// ResNet-18/34/50 against torchvision 0.26: same state_dict keys and shapes, same parameter
// counts, and the same eval-mode outputs once torchvision's weights are loaded (max abs diff
// <= 1e-4; the reference keeps logits O(1) so that bound is tight).
#include "tessera/models/resnet.h"

#include <gtest/gtest.h>

#include <set>

#include "models/test_util.h"
#include "tessera/core/logging.h"
#include "tessera/models/safetensors.h"

namespace tessera::models {
namespace {

std::int64_t count_parameters(torch::nn::Module& m) {
  std::int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

ResNet build(const std::string& arch, std::int64_t classes, std::int64_t in_channels) {
  if (arch == "resnet18") return resnet18(classes, in_channels);
  if (arch == "resnet34") return resnet34(classes, in_channels);
  return resnet50(classes, in_channels);
}

TEST(ResNet, ParameterCountsMatchTorchvision) {
  // torchvision's published sizes for ImageNet heads (1000 classes).
  EXPECT_EQ(count_parameters(*resnet18()), 11'689'512);
  EXPECT_EQ(count_parameters(*resnet34()), 21'797'672);
  EXPECT_EQ(count_parameters(*resnet50()), 25'557'032);
}

TEST(ResNet, TorchvisionNamesForParametersAndBuffers) {
  auto net = resnet18(10);
  const auto sd = state_dict(*net);
  for (const char* key : {"conv1.weight", "bn1.running_var", "bn1.num_batches_tracked",
                          "layer1.0.conv1.weight", "layer2.0.downsample.0.weight",
                          "layer2.0.downsample.1.running_mean", "layer4.1.bn2.bias", "fc.weight"})
    EXPECT_TRUE(sd.count(key)) << key;
  EXPECT_FALSE(sd.count("layer1.0.downsample.0.weight")) << "layer1 of resnet18 has no downsample";
  EXPECT_EQ(sd.at("fc.weight").sizes(), (std::vector<std::int64_t>{10, 512}));
  EXPECT_EQ(state_dict(*resnet50(10)).at("layer1.0.downsample.0.weight").sizes(),
            (std::vector<std::int64_t>{256, 64, 1, 1}));
  EXPECT_EQ(state_dict(*resnet50(10)).at("layer2.0.conv2.weight").sizes(),
            (std::vector<std::int64_t>{128, 128, 3, 3}));
}

TEST(ResNet, GreyInputAndOddSizes) {
  auto net = resnet18(7, /*in_channels=*/1);
  net->eval();
  torch::NoGradGuard no_grad;
  EXPECT_EQ(state_dict(*net).at("conv1.weight").sizes(), (std::vector<std::int64_t>{64, 1, 7, 7}));
  EXPECT_EQ(net->forward(torch::randn({2, 1, 40, 40})).sizes(), (std::vector<std::int64_t>{2, 7}));
  EXPECT_EQ(net->forward(torch::randn({1, 1, 97, 61})).sizes(), (std::vector<std::int64_t>{1, 7}));
}

TEST(ResNet, InitialisationFollowsTorchvision) {
  torch::manual_seed(0);
  auto net = resnet50(10);
  const auto sd = state_dict(*net);
  // kaiming_normal fan_out: std = sqrt(2 / (out_channels * k * k)).
  const auto w = sd.at("layer3.0.conv2.weight");  // 256 x 256 x 3 x 3
  const double want = std::sqrt(2.0 / (256 * 9));
  EXPECT_NEAR(w.std().item<double>(), want, 0.02 * want);
  EXPECT_NEAR(w.mean().item<double>(), 0.0, 0.02 * want);
  EXPECT_TRUE(torch::equal(sd.at("layer3.0.bn2.weight"), torch::ones({256})));
  EXPECT_TRUE(torch::equal(sd.at("layer3.0.bn2.bias"), torch::zeros({256})));
}

class ResNetVsTorchvision : public ::testing::TestWithParam<std::tuple<std::string, int, int>> {};

TEST_P(ResNetVsTorchvision, SameKeysCountsAndOutputs) {
  if (!testing::python_has("torchvision, safetensors"))
    GTEST_SKIP() << "Python at " << TESSERA_PYTHON_EXE
                 << " lacks torchvision/safetensors (pip install safetensors torchvision==0.26.0)";
  const auto [arch, classes, in_channels] = GetParam();
  tessera::testing::TempDir dir(arch);
  const auto weights = dir / "weights.safetensors", io = dir / "io.safetensors";
  ASSERT_EQ(testing::run_python(testing::script("torchvision_reference.py") + " " + arch + " " +
                                std::to_string(classes) + " " + std::to_string(in_channels) + " " +
                                testing::shell_quote(weights.string()) + " " +
                                testing::shell_quote(io.string())),
            0);
  const auto reference = load_safetensors(weights);
  const auto tensors = load_safetensors(io).tensors;

  auto net = build(arch, classes, in_channels);
  std::set<std::string> ours, theirs;
  for (const auto& [k, v] : state_dict(*net)) ours.insert(k);
  for (const auto& [k, v] : reference.tensors) theirs.insert(k);
  EXPECT_EQ(ours, theirs);
  EXPECT_EQ(std::to_string(count_parameters(*net)), reference.metadata.at("num_params"));

  load_state_dict(*net, reference.tensors, /*strict=*/true);
  net->eval();
  torch::NoGradGuard no_grad;
  const auto out = net->forward(tensors.at("input"));
  const auto& want = tensors.at("output");
  ASSERT_EQ(out.sizes(), want.sizes());
  const double diff = (out - want).abs().max().item<double>();
  log::info(arch, " in_channels ", in_channels, ": max |ours - torchvision| = ", diff,
            ", max |logit| = ", want.abs().max().item<double>());
  EXPECT_LE(diff, 1e-4) << arch << ": max |logit| " << want.abs().max().item<double>();
}

INSTANTIATE_TEST_SUITE_P(Archs, ResNetVsTorchvision,
                         ::testing::Values(std::make_tuple("resnet18", 10, 3),
                                           std::make_tuple("resnet34", 10, 3),
                                           std::make_tuple("resnet50", 10, 3),
                                           std::make_tuple("resnet18", 5, 1)),
                         [](const auto& info) {
                           return std::get<0>(info.param) + "_in" +
                                  std::to_string(std::get<2>(info.param));
                         });

}  // namespace
}  // namespace tessera::models
