// GraphedForward: a captured CUDA graph replays the eager forward pass.
#include "tessera/tasks/graphed_forward.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "tessera/core/config/experiment.h"
#include "tessera/tasks/classification.h"

namespace tessera::tasks {
namespace {

std::unique_ptr<tasks::ClassificationTask> cnn_task(torch::Device device, const std::string& precision) {
  auto config = config::parse_config(
      "runtime:\n  precision: " + precision + "\ndata:\n  channels: 3\nmodel:\n  name: simple_cnn\n  width: 8\n",
      "graph.yaml");
  auto task = tasks::ClassificationTask::for_run(config, {"a", "b", "c"}, device);
  task->module().eval();
  return task;
}

TEST(GraphedForward, RunsEagerlyOnTheCpu) {
  auto task = cnn_task(torch::kCPU, "fp32");
  torch::NoGradGuard no_grad;
  GraphedForward forward(*task, /*use_graphs=*/true);
  EXPECT_FALSE(forward.graphs_enabled());
  const auto input = torch::randn({4, 3, 16, 16});
  EXPECT_TRUE(torch::equal(forward(input), task->forward(input)));
  EXPECT_EQ(forward.replays(), 0);
}

TEST(GraphedForward, ReplaysMatchEagerAndPartialBatchesRunEagerly) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device: CUDA graphs need one";
  for (const std::string precision : {"fp32", "bf16"}) {
    auto task = cnn_task(torch::Device(torch::kCUDA, 0), precision);
    const c10::InferenceMode inference;
    GraphedForward graphed(*task, true);
    GraphedForward eager(*task, false);
    ASSERT_TRUE(graphed.graphs_enabled());
    const double tolerance = precision == "bf16" ? 2e-2 : 1e-4;
    for (int batch = 0; batch < 5; ++batch) {
      const auto input =
          torch::randn({32, 3, 16, 16}, torch::Device(torch::kCUDA, 0)).contiguous(at::MemoryFormat::ChannelsLast);
      const auto a = graphed(input);
      const auto b = eager(input);
      EXPECT_EQ(a.scalar_type(), torch::kFloat32);
      EXPECT_LE((a - b).abs().max().item<double>(), tolerance) << precision << " batch " << batch;
    }
    EXPECT_EQ(graphed.replays(), 5);
    const auto partial =
        torch::randn({7, 3, 16, 16}, torch::Device(torch::kCUDA, 0)).contiguous(at::MemoryFormat::ChannelsLast);
    EXPECT_EQ(graphed(partial).size(0), 7);
    EXPECT_EQ(graphed.replays(), 5);  // not replayed: another shape
  }
}

}  // namespace
}  // namespace tessera::tasks
