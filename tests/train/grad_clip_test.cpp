// clip_grad_norm against torch's own torch::nn::utils::clip_grad_norm_ (the peer it replaces).
#include "tessera/train/grad_clip.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace tessera::train {
namespace {

struct TwoLayers : torch::nn::Module {
  TwoLayers() {
    a = register_module("a", torch::nn::Linear(5, 7));
    b = register_module("b", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 4, 3)));
  }
  torch::nn::Linear a{nullptr};
  torch::nn::Conv2d b{nullptr};
};

// Two identical models with identical gradients of a chosen size.
void fill_gradients(TwoLayers& model, double magnitude, std::uint64_t seed) {
  torch::manual_seed(seed);
  for (auto& p : model.parameters()) p.mutable_grad() = torch::randn_like(p) * magnitude;
}

class ClipGradNormTest : public ::testing::TestWithParam<double> {};

TEST_P(ClipGradNormTest, MatchesTorchClipGradNorm) {
  const double magnitude = GetParam();
  torch::manual_seed(0);
  TwoLayers ours, reference;
  fill_gradients(ours, magnitude, 7);
  fill_gradients(reference, magnitude, 7);

  const torch::Tensor norm = clip_grad_norm(ours, 1.0);
  const double expected_norm = torch::nn::utils::clip_grad_norm_(reference.parameters(), 1.0);

  EXPECT_NEAR(norm.item<double>(), expected_norm, 1e-5 * expected_norm);
  const auto ours_params = ours.parameters();
  const auto reference_params = reference.parameters();
  for (std::size_t i = 0; i < ours_params.size(); ++i) {
    EXPECT_TRUE(torch::allclose(ours_params[i].grad(), reference_params[i].grad(), 1e-6, 1e-7)) << "parameter " << i;
  }
}

// 0.01: below the threshold, gradients untouched; 10: far above it, scaled down to norm 1.
INSTANTIATE_TEST_SUITE_P(Magnitudes, ClipGradNormTest, ::testing::Values(0.01, 10.0));

TEST(ClipGradNorm, ClippedNormIsAtMostTheLimit) {
  TwoLayers model;
  fill_gradients(model, 100.0, 3);
  clip_grad_norm(model, 0.5);
  double squares = 0;
  for (const auto& p : model.parameters()) squares += p.grad().pow(2).sum().item<double>();
  EXPECT_NEAR(std::sqrt(squares), 0.5, 1e-5);
}

TEST(ClipGradNorm, NoGradientsGivesAnUndefinedNorm) {
  TwoLayers model;
  EXPECT_FALSE(clip_grad_norm(model, 1.0).defined());
}

}  // namespace
}  // namespace tessera::train
