#include <gtest/gtest.h>

#include "tessera/train/fused_adamw.h"

namespace tessera::train {
namespace {

// Two identical small networks, one stepped by torch's AdamW, one by FusedAdamW.
torch::nn::Sequential make_net() {
  torch::manual_seed(11);
  return torch::nn::Sequential(torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 8, 3)), torch::nn::BatchNorm2d(8),
                               torch::nn::ReLU(), torch::nn::Flatten(), torch::nn::Linear(8 * 6 * 6, 5));
}

template <class Optimizer>
std::unique_ptr<Optimizer> make_optimizer(torch::nn::Sequential& net) {
  // Two groups as make_optimizer builds them: decay on weights, none on 1-D parameters.
  std::vector<torch::Tensor> decayed, plain;
  for (auto& p : net->parameters()) (p.dim() > 1 ? decayed : plain).push_back(p);
  const auto base = torch::optim::AdamWOptions(3e-3).betas({0.9, 0.99}).eps(1e-8);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decayed, std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(base).weight_decay(0.05)));
  groups.emplace_back(plain, std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(base).weight_decay(0.0)));
  return std::make_unique<Optimizer>(std::move(groups), base);
}

void train_steps(torch::nn::Sequential& net, torch::optim::Optimizer& optimizer, int steps, int seed) {
  torch::manual_seed(seed);
  for (int i = 0; i < steps; ++i) {
    const auto x = torch::randn({4, 3, 8, 8});
    const auto y = torch::randint(0, 5, {4});
    optimizer.zero_grad();
    torch::nn::functional::cross_entropy(net->forward(x), y).backward();
    optimizer.step();
  }
}

double max_difference(const torch::nn::Sequential& a, const torch::nn::Sequential& b) {
  double worst = 0;
  const auto pa = a->parameters(), pb = b->parameters();
  for (std::size_t i = 0; i < pa.size(); ++i) worst = std::max(worst, (pa[i] - pb[i]).abs().max().item<double>());
  return worst;
}

// Feeds both optimizers the same gradients, so float rounding cannot feed back through the
// network (Adam's normalised updates would amplify it), and compares parameters after each step.
TEST(FusedAdamW, MatchesTorchAdamWGivenTheSameGradients) {
  auto reference_net = make_net(), fused_net = make_net();
  auto reference = make_optimizer<torch::optim::AdamW>(reference_net);
  auto fused = make_optimizer<FusedAdamW>(fused_net);
  torch::manual_seed(5);
  const auto reference_params = reference_net->parameters(), fused_params = fused_net->parameters();
  for (int step = 0; step < 20; ++step) {
    for (std::size_t i = 0; i < reference_params.size(); ++i) {
      const auto gradient = torch::randn_like(reference_params[i]);
      reference_params[i].mutable_grad() = gradient.clone();
      fused_params[i].mutable_grad() = gradient.clone();
    }
    reference->step();
    fused->step();
    // Same maths in another order of float operations: agreement to float32 rounding.
    ASSERT_LT(max_difference(reference_net, fused_net), 1e-6) << "step " << step;
  }
  EXPECT_GT(max_difference(reference_net, make_net()), 1e-2) << "the parameters did move";
}

TEST(FusedAdamW, StateRoundTripsThroughTorchSerialization) {
  auto net = make_net(), copy = make_net();
  auto optimizer = make_optimizer<FusedAdamW>(net);
  train_steps(net, *optimizer, 3, 1);
  torch::serialize::OutputArchive archive;
  optimizer->save(archive);
  std::ostringstream bytes;
  archive.save_to(bytes);
  // Copy the weights, restore the optimizer from the archive, and take the same next steps.
  {
    torch::NoGradGuard no_grad;
    const auto from = net->parameters(), to = copy->parameters();
    for (std::size_t i = 0; i < from.size(); ++i) to[i].copy_(from[i]);
    const auto from_buffers = net->buffers(), to_buffers = copy->buffers();
    for (std::size_t i = 0; i < from_buffers.size(); ++i) to_buffers[i].copy_(from_buffers[i]);
  }
  auto restored = make_optimizer<FusedAdamW>(copy);
  torch::serialize::InputArchive input;
  std::istringstream stream(bytes.str());
  input.load_from(stream);
  restored->load(input);
  train_steps(net, *optimizer, 2, 9);
  train_steps(copy, *restored, 2, 9);
  EXPECT_EQ(max_difference(net, copy), 0.0) << "a resumed optimizer continues bit for bit";
}

}  // namespace
}  // namespace tessera::train
