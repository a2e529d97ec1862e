// The preprocess_images kernel's per-thread body (detail/preprocess_images_kernel.h) run on the host over every
// (sample, row, group of 4 pixels) the kernel's grid covers, against the CPU path of preprocess_images.
// This is the evidence a machine without a GPU can give: the index maths, taps, padding, flips,
// conversions and both store paths (vector and scalar, NCHW and NHWC) are the kernel's own code.
// What these replays cannot show is device arithmetic: there the *_rn intrinsics,
// __float2bfloat16_rn and expf stand in for their host twins (preprocess_images_cuda_test.cpp covers that on a GPU).
#include "tessera/ops/detail/preprocess_images_kernel.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "kernel_replay.h"
#include "random_batches.h"
#include "tessera/ops/detail/preprocess_descriptors.h"
#include "tessera/ops/preprocess_images.h"

namespace tessera::ops {
namespace {

using testing::EmulatedOutput;
using testing::for_each_thread;

// Runs the image body twice (output pre-filled with 0x00 and with 0xFF): equal results mean
// every element was written; intact guards mean nothing else was.
torch::Tensor emulate_images(const testing::ImageCase& k, const torch::Tensor& like, bool allow_vector_stores = true) {
  std::vector<detail::SampleGeometry> samples;
  for (std::size_t i = 0; i < k.batch.sources.size(); ++i) {
    samples.push_back(detail::sample_geometry(k.batch.sources[i], k.spec.resize_h, k.spec.resize_w, k.params[i]));
  }
  torch::Tensor results[2];
  for (int pass = 0; pass < 2; ++pass) {
    const std::uint8_t fill = pass == 0 ? 0x00 : 0xFF;
    EmulatedOutput output(like, fill);
    detail::ImageBatchParams params;
    params.out = output.spec(k.format.layout, allow_vector_stores);
    detail::set_normalisation(params, k.spec, k.batch.channels);
    const std::uint8_t* values = k.batch.values.data_ptr<std::uint8_t>();
    for_each_thread(params.out, [&](int sample, int row, int group) {
      if (k.batch.channels == 3) {
        detail::image_group<3>(values, samples.data(), params, sample, row, group);
      } else {
        detail::image_group<1>(values, samples.data(), params, sample, row, group);
      }
    });
    EXPECT_TRUE(output.guards_intact(fill)) << "a thread wrote outside the output";
    results[pass] = output.tensor();
  }
  EXPECT_TRUE(torch::equal(results[0], results[1])) << "some output elements were never written";
  return results[0];
}

TEST(PreprocessImagesKernel, MatchesTheCpuPathOnRandomBatches) {
  testing::Worst worst("kernel body vs CPU path");
  for (std::uint32_t seed = 1; seed <= 400; ++seed) {
    const testing::ImageCase k = testing::random_image_case(seed);
    const torch::Tensor expected = preprocess_images(k.batch, k.spec, k.params, k.format);
    const torch::Tensor expected_float =
        preprocess_images(k.batch, k.spec, k.params, OutputFormat{torch::kFloat32, k.format.layout});
    const torch::Tensor got = emulate_images(k, expected);
    const testing::Diff d = testing::compare(got, expected, expected_float);
    EXPECT_LE(d.worst, testing::tolerance(k.format.dtype)) << "seed " << seed << ": " << testing::describe(k);
    worst.add(k.format.dtype, d, got.numel());
  }
  worst.print("images, 400 batches");
}

TEST(PreprocessImagesKernel, OneByOneSourceAndOutputInEveryFormat) {
  testing::ImageCase k;
  k.batch.channels = 3;
  k.batch.values = torch::tensor({10, 200, 37}, torch::kUInt8);
  k.batch.sources = {PackedSource{0, 1, 1}};
  k.spec = ImagePreprocessSpec{0, 0, 1, 1, {0.5f, 0.5f, 0.5f}, {0.25f, 0.5f, 1.0f}};
  for (const SampleParams params : {SampleParams{0, 0, false}, SampleParams{0, 0, true}, SampleParams{1, 0, false}}) {
    k.params = {params};
    for (torch::ScalarType dtype : {torch::kFloat32, torch::kBFloat16, torch::kUInt8}) {
      for (Layout layout : {Layout::nchw, Layout::nhwc}) {
        k.format = {dtype, layout};
        const torch::Tensor expected = preprocess_images(k.batch, k.spec, k.params, k.format);
        EXPECT_TRUE(torch::equal(emulate_images(k, expected), expected))
            << testing::describe(k) << " crop_y " << params.crop_y;
      }
    }
  }
}

TEST(PreprocessImagesKernel, VectorAndScalarStorePathsWriteTheSameValues) {
  // out_w a multiple of 4, so full groups may use the vector branch; with it forbidden every
  // group takes the scalar branch. Both must give the CPU path's values, 1 and 3 channels.
  for (int channels : {1, 3}) {
    std::uint32_t seed = 1;
    while (testing::random_image_case(seed).batch.channels != channels) ++seed;
    testing::ImageCase k = testing::random_image_case(seed);
    k.spec.out_w = 16;
    for (Layout layout : {Layout::nchw, Layout::nhwc}) {
      for (torch::ScalarType dtype : {torch::kFloat32, torch::kBFloat16, torch::kUInt8}) {
        k.format = {dtype, layout};
        const torch::Tensor expected = preprocess_images(k.batch, k.spec, k.params, k.format);
        EXPECT_TRUE(torch::equal(emulate_images(k, expected, true), expected)) << testing::describe(k);
        EXPECT_TRUE(torch::equal(emulate_images(k, expected, false), expected)) << testing::describe(k);
      }
    }
  }
}

}  // namespace
}  // namespace tessera::ops
