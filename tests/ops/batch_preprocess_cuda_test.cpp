// The fused CUDA kernels through preprocess_images / preprocess_medical on CUDA tensors, against
// the CPU path on the same inputs (README's tolerances: 1e-4 float, 1 level u8, here 1 ulp bf16).
// Built as test_ops_cuda (ctest label `cuda`); every test skips where there is no GPU.
#include "tessera/ops/batch_preprocess.h"

#include <ATen/cuda/Sleep.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <gtest/gtest.h>
#include <torch/cuda.h>

#include <iostream>
#include <stdexcept>

#include "random_batches.h"

namespace tessera::ops {
namespace {

using testing::ImageCase;
using testing::MedicalCase;

constexpr const char* kNoGpu = "no CUDA device: these tests launch the fused preprocessing kernels";

ImageCase on_gpu(ImageCase k) {
  k.batch.values = k.batch.values.to(torch::kCUDA);
  return k;
}
MedicalCase on_gpu(MedicalCase k) {
  k.batch.values = k.batch.values.to(torch::kCUDA);
  return k;
}

torch::Tensor run(const ImageCase& k, OutputFormat format) {
  return preprocess_images(k.batch, k.spec, k.params, format);
}
torch::Tensor run(const MedicalCase& k, OutputFormat format) {
  return preprocess_medical(k.batch, k.spec, k.intensities, k.params, format);
}

// The GPU result's dtype, shape, layout and device, then its values against the CPU path.
template <class Case>
testing::Diff check_against_cpu(const Case& cpu_case, const torch::Tensor& gpu_out) {
  const torch::Tensor expected = run(cpu_case, cpu_case.format);
  const torch::Tensor expected_float = run(cpu_case, OutputFormat{torch::kFloat32, cpu_case.format.layout});
  EXPECT_TRUE(gpu_out.is_cuda());
  EXPECT_EQ(gpu_out.scalar_type(), cpu_case.format.dtype);
  EXPECT_EQ(gpu_out.sizes(), expected.sizes());
  if (cpu_case.format.layout == Layout::nhwc) {
    EXPECT_TRUE(gpu_out.is_contiguous(torch::MemoryFormat::ChannelsLast));
  } else {
    EXPECT_TRUE(gpu_out.is_contiguous());
  }
  return testing::compare(gpu_out, expected, expected_float);
}

TEST(BatchPreprocessCuda, ImagesMatchTheCpuPathOnRandomBatches) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << kNoGpu;
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

TEST(BatchPreprocessCuda, MedicalMatchesTheCpuPathOnRandomBatches) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << kNoGpu;
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

TEST(BatchPreprocessCuda, EveryDtypeAndLayoutHasTheRightTensorProperties) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << kNoGpu;
  for (int channels : {1, 3}) {
    std::uint32_t seed = 1;
    while (testing::random_image_case(seed).batch.channels != channels) ++seed;
    ImageCase k = testing::random_image_case(seed);
    MedicalCase m = testing::random_medical_case(seed);
    m.spec.out_channels = channels;
    for (torch::ScalarType dtype : {torch::kFloat32, torch::kBFloat16, torch::kUInt8}) {
      for (Layout layout : {Layout::nchw, Layout::nhwc}) {
        k.format = m.format = {dtype, layout};
        const torch::Tensor images = run(on_gpu(k), k.format);
        EXPECT_EQ(images.device(), torch::Device(torch::kCUDA, 0));
        EXPECT_LE(check_against_cpu(k, images).worst, testing::tolerance(dtype)) << testing::describe(k);
        const torch::Tensor medical = run(on_gpu(m), m.format);
        EXPECT_LE(check_against_cpu(m, medical).worst, testing::tolerance(dtype)) << testing::describe(m);
      }
    }
  }
}

TEST(BatchPreprocessCuda, RunsOnTheCurrentStreamWithoutBlockingTheHost) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << kNoGpu;
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

TEST(BatchPreprocessCuda, OneCallCovers256SourcesOfDifferentSizes) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << kNoGpu;
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

TEST(BatchPreprocessCuda, EmptyBatchAndValidationNeedNoKernel) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << kNoGpu;
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
