// preprocess_images on CPU tensors: the per-sample reference packed into one tensor, converted to
// the requested dtype and layout, and every validation error.
#include "tessera/ops/preprocess_images.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "random_batches.h"
#include "tessera/ops/resize.h"

namespace tessera::ops {
namespace {

using testing::expect_invalid;

using testing::ImageCase;

ImageCase image_case(std::uint32_t seed, torch::ScalarType dtype = torch::kFloat32, Layout layout = Layout::nchw) {
  ImageCase k = testing::random_image_case(seed);
  k.format = {dtype, layout};
  return k;
}

torch::Tensor run(const ImageCase& k) { return preprocess_images(k.batch, k.spec, k.params, k.format); }

TEST(PreprocessImagesBatch, EqualsThePerSampleReferenceExactly) {
  for (std::uint32_t seed = 1; seed <= 40; ++seed) {
    const ImageCase k = image_case(seed);
    const torch::Tensor out = run(k);
    ASSERT_EQ(out.sizes(), (std::vector<std::int64_t>{static_cast<std::int64_t>(k.batch.sources.size()),
                                                      k.batch.channels, k.spec.out_h, k.spec.out_w}));
    ASSERT_EQ(out.scalar_type(), torch::kFloat32);
    ASSERT_TRUE(out.is_contiguous());
    for (std::size_t i = 0; i < k.batch.sources.size(); ++i) {
      const PackedSource& s = k.batch.sources[i];
      torch::Tensor expected = torch::empty({k.batch.channels, k.spec.out_h, k.spec.out_w});
      preprocess_images_reference(
          {k.batch.values.data_ptr<std::uint8_t>() + s.offset, s.height, s.width, k.batch.channels}, k.spec,
          k.params[i], expected.data_ptr<float>());
      EXPECT_TRUE(torch::equal(out[static_cast<std::int64_t>(i)], expected)) << "seed " << seed << " sample " << i;
    }
  }
}

TEST(PreprocessImagesBatch, NhwcHasChannelsLastStridesAndTheSameValues) {
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    for (torch::ScalarType dtype : {torch::kFloat32, torch::kBFloat16, torch::kUInt8}) {
      const torch::Tensor nchw = run(image_case(seed, dtype, Layout::nchw));
      const torch::Tensor nhwc = run(image_case(seed, dtype, Layout::nhwc));
      const std::int64_t c = nhwc.size(1), h = nhwc.size(2), w = nhwc.size(3);
      EXPECT_TRUE(nhwc.is_contiguous(torch::MemoryFormat::ChannelsLast));
      EXPECT_EQ(nhwc.strides(), (std::vector<std::int64_t>{h * w * c, 1, w * c, c}));
      EXPECT_TRUE(torch::equal(nhwc, nchw)) << "seed " << seed;  // compares values, not memory
    }
  }
}

TEST(PreprocessImagesBatch, Bf16IsTheFloatResultRoundedToNearestEven) {
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    const torch::Tensor f32 = run(image_case(seed));
    const torch::Tensor bf16 = run(image_case(seed, torch::kBFloat16));
    ASSERT_EQ(bf16.scalar_type(), torch::kBFloat16);
    EXPECT_TRUE(torch::equal(bf16, f32.to(torch::kBFloat16))) << "seed " << seed;
  }
}

// resize_bilinear_u8 to the resized size, then the window (zero outside) and the flip.
torch::Tensor resized_then_cropped(const ImageCase& k, std::size_t i) {
  const PackedSource& s = k.batch.sources[i];
  const int channels = k.batch.channels;
  const int rh = k.spec.resize_h > 0 ? k.spec.resize_h : s.height;
  const int rw = k.spec.resize_w > 0 ? k.spec.resize_w : s.width;
  std::vector<std::uint8_t> resized(static_cast<std::size_t>(rh) * rw * channels);
  resize_bilinear_u8({k.batch.values.data_ptr<std::uint8_t>() + s.offset, s.height, s.width, channels}, rh, rw,
                     resized.data());
  torch::Tensor out = torch::zeros({channels, k.spec.out_h, k.spec.out_w}, torch::kUInt8);
  auto o = out.accessor<std::uint8_t, 3>();
  const SampleParams& p = k.params[i];
  for (int y = 0; y < k.spec.out_h; ++y) {
    for (int x = 0; x < k.spec.out_w; ++x) {
      const int ry = p.crop_y + y, rx = p.crop_x + (p.flip ? k.spec.out_w - 1 - x : x);
      if (ry < 0 || ry >= rh || rx < 0 || rx >= rw) continue;
      for (int c = 0; c < channels; ++c) o[c][y][x] = resized[(static_cast<std::size_t>(ry) * rw + rx) * channels + c];
    }
  }
  return out;
}

TEST(PreprocessImagesBatch, U8EqualsResizeBilinearU8ThenCropAndFlip) {
  for (std::uint32_t seed = 1; seed <= 40; ++seed) {
    ImageCase k = image_case(seed, torch::kUInt8, seed % 2 ? Layout::nhwc : Layout::nchw);
    k.spec.mean.clear();  // ignored for u8 output
    k.spec.std.clear();
    const torch::Tensor out = run(k);
    ASSERT_EQ(out.scalar_type(), torch::kUInt8);
    for (std::size_t i = 0; i < k.batch.sources.size(); ++i) {
      EXPECT_TRUE(torch::equal(out[static_cast<std::int64_t>(i)], resized_then_cropped(k, i)))
          << "seed " << seed << " sample " << i << ": " << testing::describe(k);
    }
  }
}

TEST(PreprocessImagesBatch, EmptyBatchGivesAnEmptyTensor) {
  ImageCase k = image_case(3);
  k.batch.sources.clear();
  k.params.clear();
  const torch::Tensor out = run(k);
  EXPECT_EQ(out.sizes(), (std::vector<std::int64_t>{0, k.batch.channels, k.spec.out_h, k.spec.out_w}));
}

TEST(PreprocessImagesBatch, CudaKernelsBuiltFollowsTheBuildOption) {
#ifdef TESSERA_WITH_CUDA
  EXPECT_TRUE(cuda_kernels_built());
#else
  EXPECT_FALSE(cuda_kernels_built());
#endif
}

// ---- Validation -------------------------------------------------------------------------------

TEST(PreprocessImagesBatch, RejectsInconsistentInput) {
  const ImageCase good = image_case(2);
  ASSERT_NO_THROW(run(good));
  auto with = [&](auto change) {
    ImageCase k = good;
    change(k);
    return [k] { return run(k); };
  };
  expect_invalid(with([](ImageCase& k) { k.params.pop_back(); }), "one SampleParams per source");
  expect_invalid(with([](ImageCase& k) { k.batch.values = k.batch.values.to(torch::kInt16); }), "must be Byte");
  expect_invalid(with([](ImageCase& k) { k.batch.values = k.batch.values.view({1, -1}); }), "1-D");
  expect_invalid(with([](ImageCase& k) {
                   k.batch.values = torch::cat({k.batch.values, k.batch.values}).slice(0, 0, std::nullopt, 2);
                 }),
                 "contiguous");
  expect_invalid(with([](ImageCase& k) { k.batch.values = torch::Tensor(); }), "undefined");
  expect_invalid(with([](ImageCase& k) { k.batch.channels = 2; }), "channels must be 1 or 3");
  expect_invalid(with([](ImageCase& k) { k.batch.sources[0].offset = -1; }), "outside the packed buffer");
  expect_invalid(with([](ImageCase& k) {
                   k.batch.sources.back().offset = k.batch.values.numel() - 1;
                   k.batch.sources.back().height = 2;
                 }),
                 "runs past the end");
  expect_invalid(with([](ImageCase& k) { k.batch.sources[0].height = 0; }), "non-positive size");
  expect_invalid(with([](ImageCase& k) { k.spec.out_w = 0; }), "output size");
  expect_invalid(with([](ImageCase& k) { k.spec.resize_h = -1; }), "resize size");
  expect_invalid(with([](ImageCase& k) { k.spec.mean.push_back(0.5f); }), "one value per channel");
  expect_invalid(with([](ImageCase& k) { k.spec.std[0] = 0.0f; }), "std must be positive");
  expect_invalid(with([](ImageCase& k) { k.format.dtype = torch::kFloat16; }), "output dtype");
  expect_invalid(with([](ImageCase& k) { k.format.layout = static_cast<Layout>(9); }), "layout");
}

}  // namespace
}  // namespace tessera::ops
