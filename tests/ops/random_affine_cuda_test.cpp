// apply_affine on CUDA against the same call on the CPU (the reference): one code path (torch's
// affine_grid + grid_sample), so the two must agree to float rounding, 1e-5 absolute; in bf16 to
// bf16's resolution (1/128 relative, values here within [-1, 1]: 1e-2 absolute).
#include "tessera/ops/random_affine.h"

#include <gtest/gtest.h>
#include <torch/cuda.h>
#include <torch/torch.h>

namespace tessera::ops {
namespace {

constexpr const char* kNoGpu = "no CUDA device: this test warps a batch on the GPU";

std::vector<AffineParams> draws(int count) {
  std::vector<AffineParams> params;
  for (int i = 0; i < count; ++i) params.push_back(random_affine({15.0, 0.15}, 1000u + static_cast<unsigned>(i)));
  return params;
}

TEST(ApplyAffineCuda, MatchesTheCpu) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << kNoGpu;
  torch::manual_seed(3);
  const auto batch = torch::rand({16, 3, 20, 24}) * 2 - 1;
  const auto params = draws(16);
  const std::vector<float> fill{-1.0f, -0.5f, 0.0f};
  const auto cpu = apply_affine(batch, params, fill);
  const auto gpu = apply_affine(batch.to(torch::kCUDA), params, fill);
  EXPECT_TRUE(gpu.is_cuda());
  EXPECT_LT((gpu.cpu() - cpu).abs().max().item<float>(), 1e-5f);
  const auto bf16 = apply_affine(batch.to(torch::kCUDA, torch::kBFloat16).contiguous(at::MemoryFormat::ChannelsLast),
                                 params, fill);
  EXPECT_EQ(bf16.scalar_type(), torch::kBFloat16);
  EXPECT_TRUE(bf16.is_contiguous(at::MemoryFormat::ChannelsLast));
  EXPECT_LT((bf16.cpu().to(torch::kFloat32) - cpu).abs().max().item<float>(), 1e-2f);
}

}  // namespace
}  // namespace tessera::ops
