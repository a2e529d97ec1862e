// ClassificationTask on DICOM data: data.window reaches the loader, and to_inputs sends a packed
// DICOM batch (int16 words + per-row intensities) through ops::preprocess_medical, giving the float
// batch exactly (CPU here; the CUDA kernel on a GPU).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <string>
#include <vector>

#include "support/pydicom_files.h"
#include "support/temp_dir.h"
#include "tessera/core/config/experiment.h"
#include "tessera/io/dicom.h"
#include "tessera/tasks/classification.h"

namespace tessera::tasks {
namespace {
namespace fs = std::filesystem;
using tessera::testing::TempDir;
using Mode = ops::WindowChoice::Mode;

const fs::path kFiles = tessera::testing::kPydicomTestFiles;

class DicomTaskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!io::dicom_available() || !fs::exists(kFiles / "CT_small.dcm")) GTEST_SKIP() << "needs DCMTK and python3-pydicom's files";
    for (const char* c : {"ct", "mr"}) fs::create_directories(temp_ / "train" / c);
    for (int i = 0; i < 3; ++i) {
      fs::copy_file(kFiles / "CT_small.dcm", temp_ / "train/ct" / (std::to_string(i) + ".dcm"));
      fs::copy_file(kFiles / "MR_small.dcm", temp_ / "train/mr" / (std::to_string(i) + ".dcm"));
    }
  }
  config::ExperimentConfig make_config(const std::vector<std::string>& overrides = {}) {
    const std::string yaml = "runtime: {device: cpu, seed: 5}\n"
                             "data: {train: " + (temp_ / "train").string() +
                             ", channels: 3, resize: 40, crop: 32, pad: 2, hflip: 0.5, mean: [0.5, 0.5, 0.5], "
                             "std: [0.25, 0.25, 0.25], batch_size: 4, workers: 1}\n"
                             "model: {name: simple_cnn, width: 4}\n";
    return config::parse_config(yaml, "dicom.yaml", overrides);
  }
  TempDir temp_;
};

TEST_F(DicomTaskTest, WindowSettingReachesTheLoader) {
  struct Case {
    std::string value;
    Mode mode;
    float center, width;
  };
  for (const auto& c : std::vector<Case>{{"file", Mode::file, 0, 1},
                                         {"minmax", Mode::minmax, 0, 1},
                                         {"brain", Mode::fixed, 40, 80},
                                         {"soft_tissue", Mode::fixed, 40, 400},
                                         {"abdomen", Mode::fixed, 40, 400},
                                         {"lung", Mode::fixed, -600, 1500},
                                         {"bone", Mode::fixed, 400, 1800},
                                         {"[100, 700]", Mode::fixed, 100, 700}}) {
    auto task = ClassificationTask::for_training(make_config({"data.window=" + c.value}), torch::kCPU);
    const auto window = task->loader_options(Split::train).window;
    EXPECT_EQ(window.mode, c.mode) << c.value;
    if (c.mode == Mode::fixed) {
      EXPECT_EQ(window.center, c.center) << c.value;
      EXPECT_EQ(window.width, c.width) << c.value;
    }
  }
}

TEST_F(DicomTaskTest, PackedInputsEqualTheFloatPath) {
  auto task = ClassificationTask::for_training(make_config({"data.window=lung"}), torch::kCPU);
  auto float_options = task->loader_options(Split::train);
  auto packed_options = float_options;
  packed_options.packed = true;
  data::BatchLoader floats(data::load_dataset(temp_ / "train"), float_options);
  data::BatchLoader packed(data::load_dataset(temp_ / "train"), packed_options);
  floats.start_epoch(1);
  packed.start_epoch(1);
  int batches = 0;
  while (auto a = floats.next()) {
    auto b = packed.next();
    ASSERT_TRUE(b.has_value());
    const torch::Tensor expected = task->to_inputs(*a, float_options);
    const torch::Tensor actual = task->to_inputs(*b, packed_options);
    EXPECT_EQ(actual.sizes(), (std::vector<std::int64_t>{4, 3, 32, 32}));
    EXPECT_TRUE(torch::equal(actual, expected));
    ++batches;
  }
  EXPECT_EQ(batches, 1);  // 6 samples, batch 4, drop_last

  // And the task's own training batches come out with the network's input shape.
  task->start_epoch(Split::train, 0);
  const auto batch = task->next_batch(Split::train);
  ASSERT_TRUE(batch.has_value());
  EXPECT_EQ(batch->inputs.sizes(), (std::vector<std::int64_t>{4, 3, 32, 32}));
  EXPECT_TRUE(batch->failures.empty());
}

}  // namespace
}  // namespace tessera::tasks
