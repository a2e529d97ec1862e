// make_optimizer: types, options, parameter groups (weight decay only on >= 2-D parameters),
// and the update it performs, checked against the closed form for zero gradients.
#include "tessera/train/optimizer.h"

#include <gtest/gtest.h>
#include <torch/optim/adamw.h>
#include <torch/optim/sgd.h>
#include <torch/torch.h>

#include <set>

namespace tessera::train {
namespace {

// Conv (4-D weight), BatchNorm (1-D weight/bias), Linear (2-D weight, 1-D bias).
struct Small : torch::nn::Module {
  Small() {
    conv = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 3, 3)));
    bn = register_module("bn", torch::nn::BatchNorm2d(3));
    fc = register_module("fc", torch::nn::Linear(3, 2));
  }
  torch::nn::Conv2d conv{nullptr};
  torch::nn::BatchNorm2d bn{nullptr};
  torch::nn::Linear fc{nullptr};
};

std::set<const void*> impls(const std::vector<torch::Tensor>& tensors) {
  std::set<const void*> out;
  for (const auto& t : tensors) out.insert(t.unsafeGetTensorImpl());
  return out;
}

void expect_groups(torch::optim::Optimizer& optimizer, Small& module) {
  std::vector<torch::Tensor> multi, single;
  for (auto& p : module.parameters()) (p.dim() >= 2 ? multi : single).push_back(p);
  ASSERT_EQ(multi.size(), 2u);   // conv.weight, fc.weight
  ASSERT_EQ(single.size(), 4u);  // conv.bias, bn.weight, bn.bias, fc.bias
  ASSERT_EQ(optimizer.param_groups().size(), 2u);
  EXPECT_EQ(impls(optimizer.param_groups()[0].params()), impls(multi));
  EXPECT_EQ(impls(optimizer.param_groups()[1].params()), impls(single));
  EXPECT_EQ(optimizer.param_groups()[0].params().size() + optimizer.param_groups()[1].params().size(),
            module.parameters().size());
}

TEST(OptimizerTest, SgdTypeOptionsAndGroups) {
  Small module;
  config::OptimConfig o;
  o.name = config::Optimizer::sgd;
  o.lr = 0.07;
  o.momentum = 0.8;
  o.nesterov = true;
  o.weight_decay = 0.01;
  auto optimizer = make_optimizer(module, o);
  auto* sgd = dynamic_cast<torch::optim::SGD*>(optimizer.get());
  ASSERT_NE(sgd, nullptr);
  EXPECT_EQ(dynamic_cast<torch::optim::AdamW*>(optimizer.get()), nullptr);
  expect_groups(*optimizer, module);
  const auto& decayed = static_cast<const torch::optim::SGDOptions&>(optimizer->param_groups()[0].options());
  const auto& plain = static_cast<const torch::optim::SGDOptions&>(optimizer->param_groups()[1].options());
  EXPECT_EQ(decayed.weight_decay(), 0.01);
  EXPECT_EQ(plain.weight_decay(), 0.0);
  for (const auto* options : {&decayed, &plain}) {
    EXPECT_EQ(options->lr(), 0.07);
    EXPECT_EQ(options->momentum(), 0.8);
    EXPECT_TRUE(options->nesterov());
  }
}

TEST(OptimizerTest, AdamwTypeOptionsAndGroups) {
  Small module;
  config::OptimConfig o;
  o.name = config::Optimizer::adamw;
  o.lr = 3e-4;
  o.betas = {0.8, 0.95};
  o.eps = 1e-6;
  o.weight_decay = 0.05;
  auto optimizer = make_optimizer(module, o);
  ASSERT_NE(dynamic_cast<torch::optim::AdamW*>(optimizer.get()), nullptr);
  EXPECT_EQ(dynamic_cast<torch::optim::SGD*>(optimizer.get()), nullptr);
  expect_groups(*optimizer, module);
  const auto& decayed = static_cast<const torch::optim::AdamWOptions&>(optimizer->param_groups()[0].options());
  const auto& plain = static_cast<const torch::optim::AdamWOptions&>(optimizer->param_groups()[1].options());
  EXPECT_EQ(decayed.weight_decay(), 0.05);
  EXPECT_EQ(plain.weight_decay(), 0.0);
  for (const auto* options : {&decayed, &plain}) {
    EXPECT_EQ(options->lr(), 3e-4);
    EXPECT_EQ(std::get<0>(options->betas()), 0.8);
    EXPECT_EQ(std::get<1>(options->betas()), 0.95);
    EXPECT_EQ(options->eps(), 1e-6);
  }
}

TEST(OptimizerTest, SetLearningRateSetsEveryGroup) {
  for (const config::Optimizer name : {config::Optimizer::sgd, config::Optimizer::adamw}) {
    Small module;
    config::OptimConfig o;
    o.name = name;
    o.weight_decay = 0.1;
    auto optimizer = make_optimizer(module, o);
    set_learning_rate(*optimizer, 0.123);
    for (auto& group : optimizer->param_groups()) EXPECT_EQ(group.options().get_lr(), 0.123) << name;
    set_learning_rate(*optimizer, 1e-7);
    for (auto& group : optimizer->param_groups()) EXPECT_EQ(group.options().get_lr(), 1e-7) << name;
  }
}

// With zero gradients the only change is the weight decay, and only in the decayed group.
TEST(OptimizerTest, AdamwDecaysOnlyMultiDimensionalParameters) {
  Small module;
  config::OptimConfig o;
  o.name = config::Optimizer::adamw;
  o.lr = 0.1;
  o.weight_decay = 0.2;
  auto optimizer = make_optimizer(module, o);
  std::vector<torch::Tensor> before;
  for (auto& p : module.parameters()) {
    p.mutable_grad() = torch::zeros_like(p);
    before.push_back(p.detach().clone());
  }
  optimizer->step();
  const auto params = module.parameters();
  for (std::size_t i = 0; i < params.size(); ++i) {
    // AdamW: p <- p * (1 - lr * wd), then the Adam update 0 / (0 + eps) = 0.
    const auto expected = params[i].dim() >= 2 ? before[i] * (1.0 - 0.1 * 0.2) : before[i];
    EXPECT_TRUE(torch::allclose(params[i].detach(), expected, /*rtol=*/1e-6, /*atol=*/1e-7)) << i;
    if (params[i].dim() <= 1) EXPECT_TRUE(torch::equal(params[i].detach(), before[i])) << i;
  }
}

TEST(OptimizerTest, SgdDecaysOnlyMultiDimensionalParameters) {
  Small module;
  config::OptimConfig o;
  o.name = config::Optimizer::sgd;
  o.lr = 0.1;
  o.momentum = 0.5;
  o.nesterov = true;
  o.weight_decay = 0.2;
  auto optimizer = make_optimizer(module, o);
  std::vector<torch::Tensor> before;
  for (auto& p : module.parameters()) {
    p.mutable_grad() = torch::zeros_like(p);
    before.push_back(p.detach().clone());
  }
  optimizer->step();
  const auto params = module.parameters();
  for (std::size_t i = 0; i < params.size(); ++i) {
    // d = g + wd * p = wd * p; buf = d (first step); nesterov: d + momentum * buf = wd * p * 1.5.
    const auto expected = params[i].dim() >= 2 ? before[i] - 0.1 * 0.2 * 1.5 * before[i] : before[i];
    EXPECT_TRUE(torch::allclose(params[i].detach(), expected, /*rtol=*/1e-6, /*atol=*/1e-7)) << i;
  }
}

}  // namespace
}  // namespace tessera::train
