// The GPU data path of ClassificationTask: decoded bytes uploaded on a side stream and
// preprocessed by the fused kernel must give the CPU path's inputs, in the dtype and memory
// format the network runs in. Needs a GPU; JPEGs come from PIL so the
// test also runs on the GPU machine's build, which has no OpenCV.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>

#include "support/brightness_jpegs.h"
#include "support/temp_dir.h"
#include "tessera/core/config/experiment.h"
#include "tessera/data/dataset.h"
#include "tessera/tasks/classification.h"

namespace tessera::tasks {
namespace {
namespace fs = std::filesystem;
using tessera::testing::TempDir;

class ClassificationCudaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device: the GPU data path needs one";
    ASSERT_TRUE(tessera::testing::write_brightness_jpegs(temp_ / "train", 20, 1)) << "PIL could not write the test JPEGs";
    ASSERT_TRUE(tessera::testing::write_brightness_jpegs(temp_ / "val", 6, 2));
  }

  config::ExperimentConfig make_config(const std::vector<std::string>& overrides) {
    const std::string yaml = "runtime:\n  seed: 7\n  output_dir: " + (temp_ / "models").string() +
                             "\n  name: gpu\n"
                             "data:\n  train: " + (temp_ / "train").string() + "\n  val: " +
                             (temp_ / "val").string() +
                             "\n  channels: 1\n  resize: 18\n  crop: 16\n  pad: 2\n  hflip: 0.5\n"
                             "  mean: [0.5]\n  std: [0.25]\n  batch_size: 8\n  workers: 2\n"
                             "model:\n  name: simple_cnn\n  width: 8\noptim:\n  lr: 0.01\ntrain:\n  epochs: 3\n";
    return config::parse_config(yaml, "gpu.yaml", overrides);
  }

  TempDir temp_;
};

TEST_F(ClassificationCudaTest, GpuPreprocessingGivesTheCpuInputs) {
  // fp32 and contiguous so the comparison is exact up to the kernel's float rounding.
  const auto config = make_config({"runtime.precision=fp32", "runtime.memory_format=contiguous"});
  auto gpu = ClassificationTask::for_training(config, torch::Device(torch::kCUDA, 0));
  auto cpu_config = config;
  cpu_config.data.preprocess_device = config::PreprocessDevice::cpu;
  auto cpu = ClassificationTask::for_training(cpu_config, torch::Device(torch::kCUDA, 0));
  ASSERT_TRUE(gpu->loader_options(Split::train).packed);
  ASSERT_FALSE(cpu->loader_options(Split::train).packed);
  for (auto split : {Split::train, Split::val}) {
    gpu->start_epoch(split, 2);
    cpu->start_epoch(split, 2);
    int batches = 0;
    while (auto a = gpu->next_batch(split)) {
      auto b = cpu->next_batch(split);
      ASSERT_TRUE(b.has_value());
      EXPECT_TRUE(a->inputs.is_cuda());
      EXPECT_EQ(a->inputs.sizes(), b->inputs.sizes());
      EXPECT_LE((a->inputs - b->inputs).abs().max().item<float>(), 1e-4f) << split_name(split) << " batch " << batches;
      EXPECT_TRUE(torch::equal(a->targets, b->targets));
      ++batches;
    }
    EXPECT_GT(batches, 0);
  }
}

TEST_F(ClassificationCudaTest, Bf16ChannelsLastInputsComeFromTheKernelInTheirFinalForm) {
  auto task = ClassificationTask::for_training(make_config({}), torch::Device(torch::kCUDA, 0));
  EXPECT_TRUE(task->compute().bf16);  // "auto" on CUDA
  EXPECT_TRUE(task->compute().channels_last);
  task->start_epoch(Split::train, 1);
  const auto batch = task->next_batch(Split::train);
  ASSERT_TRUE(batch.has_value());
  EXPECT_EQ(batch->inputs.scalar_type(), torch::kBFloat16);
  EXPECT_TRUE(batch->inputs.is_contiguous(at::MemoryFormat::ChannelsLast));
}

}  // namespace
}  // namespace tessera::tasks
