// dist::Group on a GPU: a CUDA device adds the NCCL backend and CUDA tensors go through it, host
// tensors (metric sums, text, gathered rows) still through Gloo. One process, a group of one: NCCL
// refuses two ranks on one GPU, and the GPU machine has one (tools/device_check.sh also starts
// `tessera train` under torchrun on NCCL).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "tessera/dist/group.h"

namespace tessera::dist {
namespace {

TEST(DistributedGroupCuda, ACudaDeviceUsesNcclForCudaTensors) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device: the NCCL backend needs one";
  LaunchEnvironment env;  // rank 0 of 1, no store address: an in-process store
  GroupOptions options;
  options.device = torch::Device(torch::kCUDA, 0);
  const auto group = Group::join(env, options);
  EXPECT_EQ(group->backend(), "nccl");

  torch::Tensor weights = torch::arange(6, torch::TensorOptions(torch::kFloat32).device(torch::kCUDA));
  const torch::Tensor before = weights.clone();
  group->broadcast_from_main({weights});  // through NCCL
  torch::cuda::synchronize();
  EXPECT_TRUE(torch::equal(weights.cpu(), before.cpu()));

  auto linear = torch::nn::Linear(4, 2);
  linear->to(torch::kCUDA);
  linear->forward(torch::randn({3, 4}, torch::kCUDA)).sum().backward();
  const torch::Tensor grad = linear->weight.grad().clone();
  group->average_gradients(linear->parameters());  // one rank: the mean is the gradient itself
  EXPECT_TRUE(torch::equal(linear->weight.grad().cpu(), grad.cpu()));

  EXPECT_EQ(group->sum({1.5, 2.0}), (std::vector<double>{1.5, 2.0}));  // host values: Gloo
  EXPECT_EQ(group->broadcast_text("runs/x"), "runs/x");
  const torch::Tensor rows = torch::rand({3, 2}, torch::kFloat64);
  EXPECT_TRUE(torch::equal(group->gather_rows(rows), rows));
}

TEST(DistributedGroupCuda, ACpuDeviceStaysOnGloo) {
  const auto group = Group::join(LaunchEnvironment{}, GroupOptions{});
  EXPECT_EQ(group->backend(), "gloo");
}

}  // namespace
}  // namespace tessera::dist
