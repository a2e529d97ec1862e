// The preprocess_images kernel through preprocess_images on CUDA tensors, against the CPU path on the same
// inputs (README's tolerances: 1e-4 float, 1 level u8, here 1 ulp bf16). Built as test_ops_cuda
// (ctest label `cuda`); every test skips where there is no GPU.
#include "tessera/ops/preprocess_images.h"

#include <ATen/cuda/Sleep.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
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
using testing::ImageCase;
using testing::on_gpu;
using testing::run;

TEST(PreprocessImagesCuda, MatchesTheCpuPathOnRandomBatches) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << testing::kNoGpu;
  testing::Worst worst("GPU vs CPU path");
  for (std::uint32_t seed = 1; seed <= 400; ++seed) {
    const ImageCase k = testing::random_image_case(seed);
    const torch::Tensor got = run(on_gpu(k), k.format);
    const testing::Diff d = check_against_cpu(k, got);
    EXPECT_LE(d.worst, testing::tolerance(k.format.dtype)) << "seed " << seed << ": " << testing::describe(k);
    worst.add(k.format.dtype, d, got.numel());
  }
  worst.print("images, 400 batches");
}

TEST(PreprocessImagesCuda, EveryDtypeAndLayoutHasTheRightTensorProperties) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << testing::kNoGpu;
  for (int channels : {1, 3}) {
    std::uint32_t seed = 1;
    while (testing::random_image_case(seed).batch.channels != channels) ++seed;
    ImageCase k = testing::random_image_case(seed);
    for (torch::ScalarType dtype : {torch::kFloat32, torch::kBFloat16, torch::kUInt8}) {
      for (Layout layout : {Layout::nchw, Layout::nhwc}) {
        k.format = {dtype, layout};
        const torch::Tensor images = run(on_gpu(k), k.format);
        EXPECT_EQ(images.device(), torch::Device(torch::kCUDA, 0));
        EXPECT_LE(check_against_cpu(k, images).worst, testing::tolerance(dtype)) << testing::describe(k);
      }
    }
  }
}

TEST(PreprocessImagesCuda, RunsOnTheCurrentStreamWithoutBlockingTheHost) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << testing::kNoGpu;
  const ImageCase k = testing::random_image_case(2024, 8, 64);
  (void)run(on_gpu(k), k.format);  // warm-up: module loading must not count against the check below
  torch::cuda::synchronize();

  const c10::cuda::CUDAStream stream = c10::cuda::getStreamFromPool();
  torch::Tensor got;
  {
    const c10::cuda::CUDAStreamGuard guard(stream);
    // Keep the stream busy, then upload the input on it: a kernel on any other stream would
    // read the buffer before the upload lands.
    at::cuda::sleep(500'000'000);  // a quarter of a second or so
    const torch::Tensor pinned = k.batch.values.pin_memory();
    ImageCase gpu_case = k;
    gpu_case.batch.values = pinned.to(torch::kCUDA, /*non_blocking=*/true);
    got = run(gpu_case, k.format);
    EXPECT_FALSE(stream.query()) << "the call waited for the stream: it should only enqueue work";
    stream.synchronize();
  }
  EXPECT_LE(check_against_cpu(k, got).worst, testing::tolerance(k.format.dtype)) << testing::describe(k);
}

TEST(PreprocessImagesCuda, OneCallCovers256SourcesOfDifferentSizes) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << testing::kNoGpu;
  std::mt19937 rng(256);
  torch::manual_seed(256);  // for torch::randint below
  for (int channels : {3, 1}) {
    ImageCase k;
    k.batch.channels = channels;
    k.spec = ImagePreprocessSpec{72, 80, 64, 64, {}, {}};
    for (int c = 0; c < channels; ++c) {
      k.spec.mean.push_back(0.45f);
      k.spec.std.push_back(0.226f);
    }
    std::vector<std::pair<int, int>> sizes(256);
    for (auto& s : sizes) s = {testing::uniform(rng, 1, 300), testing::uniform(rng, 1, 300)};
    std::int64_t total = 0;
    k.batch.sources = testing::pack_sources(rng, sizes, channels, total);
    k.batch.values = torch::randint(0, 256, {total}, torch::kUInt8);
    for (std::size_t i = 0; i < sizes.size(); ++i) k.params.push_back(testing::random_window(rng, 72, 80, 64, 64));
    for (torch::ScalarType dtype : {torch::kFloat32, torch::kUInt8}) {
      k.format = {dtype, channels == 3 ? Layout::nhwc : Layout::nchw};
      const torch::Tensor got = run(on_gpu(k), k.format);
      EXPECT_EQ(got.size(0), 256);
      EXPECT_LE(check_against_cpu(k, got).worst, testing::tolerance(dtype)) << testing::describe(k);
    }
  }
}

TEST(PreprocessImagesCuda, EmptyBatchAndValidationNeedNoKernel) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << testing::kNoGpu;
  ImageCase k = on_gpu(testing::random_image_case(4));
  ImageCase empty = k;
  empty.batch.sources.clear();
  empty.params.clear();
  const torch::Tensor out = run(empty, k.format);
  EXPECT_TRUE(out.is_cuda());
  EXPECT_EQ(out.size(0), 0);
  k.batch.sources[0].offset = k.batch.values.numel();
  k.batch.sources[0].height = 2;
  EXPECT_THROW(run(k, k.format), std::invalid_argument);  // checked on the host before any launch
}

}  // namespace
}  // namespace tessera::ops
