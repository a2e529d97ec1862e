// Training on the GPU end to end: decode threads, side-stream uploads, the fused preprocessing
// kernel, bf16 autocast, channels_last, cuDNN benchmark. Needs a GPU; the JPEGs come from PIL
// so the test also runs on the GPU machine's build, which has no OpenCV.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>
#include <vector>

#include "support/brightness_jpegs.h"
#include "support/temp_dir.h"
#include "tessera/core/config/experiment.h"
#include "tessera/train/trainer.h"

namespace tessera::train {
namespace {
using tessera::testing::TempDir;

config::ExperimentConfig gpu_config(const TempDir& temp, const std::string& name,
                                    const std::vector<std::string>& overrides) {
  const std::string yaml = "runtime:\n  device: cuda\n  seed: 7\n  output_dir: " + (temp / "models").string() +
                           "\n  name: " + name +
                           "\ndata:\n  train: " + (temp / "train").string() + "\n  val: " + (temp / "val").string() +
                           "\n  channels: 1\n  resize: 18\n  crop: 16\n  pad: 2\n  hflip: 0.5\n"
                           "  mean: [0.5]\n  std: [0.25]\n  batch_size: 8\n  workers: 2\n"
                           "model:\n  name: simple_cnn\n  width: 8\noptim:\n  lr: 0.01\n"
                           "train:\n  epochs: 3\n  grad_clip: 1\n";
  return config::parse_config(yaml, name + ".yaml", overrides);
}

class TrainerCudaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device: GPU training needs one";
    ASSERT_TRUE(tessera::testing::write_brightness_jpegs(temp_ / "train", 20, 1)) << "PIL could not write JPEGs";
    ASSERT_TRUE(tessera::testing::write_brightness_jpegs(temp_ / "val", 6, 2));
  }
  TempDir temp_;
};

TEST_F(TrainerCudaTest, LearnsWithBf16ChannelsLastAndGpuPreprocessing) {
  TrainRequest request;
  request.config = gpu_config(temp_, "auto", {});
  const auto summary = train(request);
  EXPECT_EQ(summary.epochs_completed, 3);
  EXPECT_GT(summary.best_val_accuracy, 0.9);
}

// The same run with the CPU doing the preprocessing reaches the same accuracy: the GPU path
// changes where the work happens, not what the network sees (within the kernel's 1e-4).
TEST_F(TrainerCudaTest, GpuAndCpuPreprocessingReachTheSameAccuracy) {
  TrainRequest gpu, cpu;
  gpu.config = gpu_config(temp_, "gpu-pre", {"runtime.precision=fp32"});
  cpu.config = gpu_config(temp_, "cpu-pre", {"runtime.precision=fp32", "data.preprocess_device=cpu"});
  const auto a = train(gpu);
  const auto b = train(cpu);
  EXPECT_NEAR(a.best_val_accuracy, b.best_val_accuracy, 0.06);  // one image of 18 either way
}

}  // namespace
}  // namespace tessera::train
