// Compute settings: what "auto" means per device, the autocast scope and channels_last.
#include "tessera/core/compute.h"

#include <ATen/autocast_mode.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "tessera/core/config/experiment.h"
#include "tessera/core/error.h"

namespace tessera {
namespace {

config::RuntimeConfig runtime(const std::string& precision, const std::string& memory_format) {
  config::RuntimeConfig r;
  r.precision = *config::choice_named<config::Precision>(precision);
  r.memory_format = *config::choice_named<config::MemoryFormat>(memory_format);
  return r;
}

TEST(Compute, AutoIsFp32AndContiguousOnTheCpu) {
  const auto settings = resolve_compute(runtime("auto", "auto"), torch::kCPU);
  EXPECT_FALSE(settings.bf16);
  EXPECT_FALSE(settings.channels_last);
  EXPECT_EQ(describe_compute(settings), "fp32, contiguous");
}

TEST(Compute, ExplicitChoicesWinOverAuto) {
  const auto settings = resolve_compute(runtime("bf16", "channels_last"), torch::kCPU);
  EXPECT_TRUE(settings.bf16);
  EXPECT_TRUE(settings.channels_last);
  EXPECT_EQ(describe_compute(settings), "bf16 autocast, channels_last");
}

TEST(Compute, ConfigRejectsUnknownValues) {
  EXPECT_THROW(config::parse_config("runtime:\n  precision: fp16\n", "c.yaml"), UserError);
  EXPECT_THROW(config::parse_config("runtime:\n  memory_format: nhwc\n", "c.yaml"), UserError);
  EXPECT_THROW(config::parse_config("data:\n  preprocess_device: gpu\n", "c.yaml"), UserError);
  const auto config = config::parse_config(
      "runtime:\n  precision: bf16\n  memory_format: channels_last\n  cudnn_benchmark: false\n  tf32: false\n"
      "data:\n  preprocess_device: cpu\neval:\n  cuda_graphs: true\n",
      "c.yaml");
  EXPECT_EQ(config.runtime.precision, config::Precision::bf16);
  EXPECT_FALSE(config.runtime.tf32);
  EXPECT_FALSE(config.runtime.cudnn_benchmark);
  EXPECT_EQ(config.data.preprocess_device, config::PreprocessDevice::cpu);
  EXPECT_TRUE(config.eval.cuda_graphs);
}

TEST(AutocastScope, EnablesBf16InsideAndRestoresOnExit) {
  ComputeSettings settings;
  settings.bf16 = true;
  const torch::Tensor a = torch::randn({4, 8}), b = torch::randn({8, 3});
  EXPECT_FALSE(at::autocast::is_autocast_enabled(at::kCPU));
  {
    const AutocastScope outer(settings);
    EXPECT_TRUE(at::autocast::is_autocast_enabled(at::kCPU));
    EXPECT_EQ(torch::mm(a, b).scalar_type(), torch::kBFloat16);  // matmul runs in bf16 under autocast
    {
      const AutocastScope inner(settings);  // nesting keeps it on
      EXPECT_TRUE(at::autocast::is_autocast_enabled(at::kCPU));
    }
    EXPECT_TRUE(at::autocast::is_autocast_enabled(at::kCPU));
  }
  EXPECT_FALSE(at::autocast::is_autocast_enabled(at::kCPU));
  EXPECT_EQ(torch::mm(a, b).scalar_type(), torch::kFloat32);
}

TEST(AutocastScope, DoesNothingForFp32) {
  const AutocastScope scope(ComputeSettings{});
  EXPECT_FALSE(at::autocast::is_autocast_enabled(at::kCPU));
}

TEST(ChannelsLast, ConvertsFourDimensionalParametersOnlyAndKeepsValues) {
  torch::nn::Sequential net(torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 8, 3)), torch::nn::BatchNorm2d(8),
                            torch::nn::Flatten(), torch::nn::Linear(8 * 6 * 6, 2));
  const torch::Tensor input = torch::randn({2, 3, 8, 8});
  net->eval();
  const torch::Tensor before = net->forward(input);
  const auto parameters_before = net->parameters();
  to_channels_last(*net);
  for (const auto& p : net->parameters()) {
    if (p.dim() == 4) EXPECT_TRUE(p.is_contiguous(at::MemoryFormat::ChannelsLast));
    else EXPECT_TRUE(p.is_contiguous());
  }
  // The same parameter objects (an optimizer built before keeps working), the same outputs.
  const auto parameters_after = net->parameters();
  for (std::size_t i = 0; i < parameters_after.size(); ++i) {
    EXPECT_TRUE(parameters_after[i].is_same(parameters_before[i]));
  }
  EXPECT_TRUE(torch::allclose(net->forward(input.contiguous(at::MemoryFormat::ChannelsLast)), before, 1e-5, 1e-6));
}

}  // namespace
}  // namespace tessera
