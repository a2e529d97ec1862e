// The preprocess_medical kernel through preprocess_medical on CUDA tensors, against the CPU path on the same
// inputs (README's tolerances: 1e-4 float, 1 level u8, here 1 ulp bf16). Built as test_ops_cuda
// (ctest label `cuda`); every test skips where there is no GPU.
#include "tessera/ops/preprocess_medical.h"

#include <gtest/gtest.h>
#include <torch/cuda.h>

#include <random>
#include <stdexcept>
#include <vector>

#include "gpu_cases.h"
#include "random_batches.h"

namespace tessera::ops {
namespace {

using testing::check_against_cpu;
using testing::MedicalCase;
using testing::on_gpu;
using testing::run;

TEST(PreprocessMedicalCuda, MatchesTheCpuPathOnRandomBatches) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << testing::kNoGpu;
  testing::Worst worst("GPU vs CPU path");
  for (std::uint32_t seed = 1; seed <= 400; ++seed) {
    const MedicalCase k = testing::random_medical_case(seed);
    const torch::Tensor got = run(on_gpu(k), k.format);
    const testing::Diff d = check_against_cpu(k, got);
    EXPECT_LE(d.worst, testing::tolerance(k.format.dtype)) << "seed " << seed << ": " << testing::describe(k);
    worst.add(k.format.dtype, d, got.numel());
  }
  worst.print("medical, 400 batches");
}

TEST(PreprocessMedicalCuda, EveryDtypeAndLayoutHasTheRightTensorProperties) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << testing::kNoGpu;
  for (int channels : {1, 3}) {
    MedicalCase m = testing::random_medical_case(static_cast<std::uint32_t>(channels));
    m.spec.out_channels = channels;
    for (torch::ScalarType dtype : {torch::kFloat32, torch::kBFloat16, torch::kUInt8}) {
      for (Layout layout : {Layout::nchw, Layout::nhwc}) {
        m.format = {dtype, layout};
        const torch::Tensor medical = run(on_gpu(m), m.format);
        EXPECT_EQ(medical.device(), torch::Device(torch::kCUDA, 0));
        EXPECT_LE(check_against_cpu(m, medical).worst, testing::tolerance(dtype)) << testing::describe(m);
      }
    }
  }
}

TEST(PreprocessMedicalCuda, OneCallCovers256SourcesOfDifferentSizes) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << testing::kNoGpu;
  std::mt19937 rng(256);
  torch::manual_seed(256);  // for torch::randint below
  MedicalCase m = testing::random_medical_case(99);
  m.batch.sources.clear();
  m.params.clear();
  m.intensities.clear();
  std::vector<std::pair<int, int>> sizes(256);
  for (auto& s : sizes) s = {testing::uniform(rng, 1, 200), testing::uniform(rng, 1, 200)};
  std::int64_t total = 0;
  m.batch.sources = testing::pack_sources(rng, sizes, 1, total);
  m.batch.values = torch::randint(-32768, 32768, {total}, torch::kInt16);
  for (const PackedSource& s : m.batch.sources) {
    m.params.push_back(testing::random_window(rng, m.spec.resize_h > 0 ? m.spec.resize_h : s.height,
                                              m.spec.resize_w > 0 ? m.spec.resize_w : s.width, m.spec.out_h,
                                              m.spec.out_w));
    m.intensities.push_back(testing::random_intensity(rng));
  }
  const torch::Tensor got = run(on_gpu(m), m.format);
  EXPECT_EQ(got.size(0), 256);
  EXPECT_LE(check_against_cpu(m, got).worst, testing::tolerance(m.format.dtype)) << testing::describe(m);
}

}  // namespace
}  // namespace tessera::ops
