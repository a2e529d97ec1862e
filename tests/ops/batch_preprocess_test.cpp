// preprocess_images / preprocess_medical on CPU tensors: the per-sample references packed into
// one tensor, converted to the requested dtype and layout, and every validation error.
#include "tessera/ops/batch_preprocess.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "random_batches.h"
#include "tessera/ops/resize.h"

namespace tessera::ops {
namespace {

using testing::ImageCase;
using testing::MedicalCase;

ImageCase image_case(std::uint32_t seed, torch::ScalarType dtype = torch::kFloat32, Layout layout = Layout::nchw) {
  ImageCase k = testing::random_image_case(seed);
  k.format = {dtype, layout};
  return k;
}

MedicalCase medical_case(std::uint32_t seed, torch::ScalarType dtype = torch::kFloat32,
                         Layout layout = Layout::nchw) {
  MedicalCase k = testing::random_medical_case(seed);
  k.format = {dtype, layout};
  return k;
}

torch::Tensor run(const ImageCase& k) { return preprocess_images(k.batch, k.spec, k.params, k.format); }
torch::Tensor run(const MedicalCase& k) {
  return preprocess_medical(k.batch, k.spec, k.intensities, k.params, k.format);
}

TEST(BatchPreprocessCpu, ImagesEqualThePerSampleReferenceExactly) {
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
      preprocess_to_chw({k.batch.values.data_ptr<std::uint8_t>() + s.offset, s.height, s.width, k.batch.channels},
                        k.spec, k.params[i], expected.data_ptr<float>());
      EXPECT_TRUE(torch::equal(out[static_cast<std::int64_t>(i)], expected)) << "seed " << seed << " sample " << i;
    }
  }
}

TEST(BatchPreprocessCpu, MedicalEqualsThePerSampleReferenceExactly) {
  for (std::uint32_t seed = 1; seed <= 40; ++seed) {
    const MedicalCase k = medical_case(seed);
    const torch::Tensor out = run(k);
    ASSERT_EQ(out.size(1), k.spec.out_channels);
    for (std::size_t i = 0; i < k.batch.sources.size(); ++i) {
      const PackedSource& s = k.batch.sources[i];
      torch::Tensor expected = torch::empty({k.spec.out_channels, k.spec.out_h, k.spec.out_w});
      medical_to_chw(reinterpret_cast<const std::uint16_t*>(k.batch.values.data_ptr<std::int16_t>()) + s.offset,
                     s.height, s.width, k.spec, k.intensities[i], k.params[i], expected.data_ptr<float>());
      EXPECT_TRUE(torch::equal(out[static_cast<std::int64_t>(i)], expected)) << "seed " << seed << " sample " << i;
    }
  }
}

TEST(BatchPreprocessCpu, NhwcHasChannelsLastStridesAndTheSameValues) {
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    for (torch::ScalarType dtype : {torch::kFloat32, torch::kBFloat16, torch::kUInt8}) {
      const torch::Tensor nchw = run(image_case(seed, dtype, Layout::nchw));
      const torch::Tensor nhwc = run(image_case(seed, dtype, Layout::nhwc));
      const std::int64_t c = nhwc.size(1), h = nhwc.size(2), w = nhwc.size(3);
      EXPECT_TRUE(nhwc.is_contiguous(torch::MemoryFormat::ChannelsLast));
      EXPECT_EQ(nhwc.strides(), (std::vector<std::int64_t>{h * w * c, 1, w * c, c}));
      EXPECT_TRUE(torch::equal(nhwc, nchw)) << "seed " << seed;  // compares values, not memory

      const torch::Tensor medical_nchw = run(medical_case(seed, dtype, Layout::nchw));
      const torch::Tensor medical_nhwc = run(medical_case(seed, dtype, Layout::nhwc));
      EXPECT_TRUE(medical_nhwc.is_contiguous(torch::MemoryFormat::ChannelsLast));
      EXPECT_TRUE(torch::equal(medical_nhwc, medical_nchw)) << "seed " << seed;
    }
  }
}

TEST(BatchPreprocessCpu, Bf16IsTheFloatResultRoundedToNearestEven) {
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    const torch::Tensor f32 = run(image_case(seed));
    const torch::Tensor bf16 = run(image_case(seed, torch::kBFloat16));
    ASSERT_EQ(bf16.scalar_type(), torch::kBFloat16);
    EXPECT_TRUE(torch::equal(bf16, f32.to(torch::kBFloat16))) << "seed " << seed;
    const torch::Tensor medical = run(medical_case(seed, torch::kBFloat16, Layout::nhwc));
    EXPECT_TRUE(torch::equal(medical, run(medical_case(seed)).to(torch::kBFloat16))) << "seed " << seed;
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

TEST(BatchPreprocessCpu, U8ImagesEqualResizeBilinearU8ThenCropAndFlip) {
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

TEST(BatchPreprocessCpu, U8MedicalIsRound255TimesTheWindowedValue) {
  // 1x4 source, LINEAR_EXACT c = 100, w = 200: y = x / 200 on [0, 200]; no normalisation.
  MedicalCase k;
  k.batch.values = torch::tensor({0, 1, 51, 200, 7}, torch::kInt16);  // the 7 is another source's byte
  k.batch.sources = {PackedSource{0, 1, 4}};
  k.spec = MedicalPreprocessSpec{0, 0, 1, 5, /*mean=*/0.9f, /*std=*/0.1f, 3};  // mean/std ignored
  MedicalIntensity m;
  m.function = VoiFunction::linear_exact;
  m.window_center = 100.0f;
  m.window_width = 200.0f;
  k.intensities = {m};
  k.params = {SampleParams{0, 0, false}};  // column 4 is padding
  k.format = {torch::kUInt8, Layout::nchw};
  const torch::Tensor plane = torch::tensor({0, 1, 65, 255, 0}, torch::kUInt8);  // 255 * {0, .005, .255, 1}
  const torch::Tensor out = run(k);
  for (int c = 0; c < 3; ++c) EXPECT_TRUE(torch::equal(out[0][c][0], plane)) << out;
  k.intensities[0].invert = true;  // 1 - y; the padding stays 0
  EXPECT_TRUE(torch::equal(run(k)[0][1][0], torch::tensor({255, 254, 190, 0, 0}, torch::kUInt8))) << run(k);
}

TEST(BatchPreprocessCpu, EmptyBatchGivesAnEmptyTensor) {
  ImageCase k = image_case(3);
  k.batch.sources.clear();
  k.params.clear();
  const torch::Tensor out = run(k);
  EXPECT_EQ(out.sizes(), (std::vector<std::int64_t>{0, k.batch.channels, k.spec.out_h, k.spec.out_w}));
}

TEST(BatchPreprocessCpu, CudaKernelsBuiltFollowsTheBuildOption) {
#ifdef TESSERA_WITH_CUDA
  EXPECT_TRUE(cuda_kernels_built());
#else
  EXPECT_FALSE(cuda_kernels_built());
#endif
}

// ---- Validation -------------------------------------------------------------------------------

template <class Call>
void expect_invalid(Call call, const std::string& fragment) {
  try {
    call();
    ADD_FAILURE() << "no exception; expected one mentioning '" << fragment << "'";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(BatchPreprocessValidation, ImagesRejectInconsistentInput) {
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

TEST(BatchPreprocessValidation, MedicalRejectsInconsistentInput) {
  const MedicalCase good = medical_case(2);
  ASSERT_NO_THROW(run(good));
  auto with = [&](auto change) {
    MedicalCase k = good;
    change(k);
    return [k] { return run(k); };
  };
  expect_invalid(with([](MedicalCase& k) { k.params.push_back({}); }), "one SampleParams per source");
  expect_invalid(with([](MedicalCase& k) { k.intensities.pop_back(); }), "one MedicalIntensity per source");
  expect_invalid(with([](MedicalCase& k) { k.batch.values = k.batch.values.to(torch::kUInt8); }), "must be Short");
  expect_invalid(with([](MedicalCase& k) { k.batch.channels = 3; }), "one channel");
  expect_invalid(with([](MedicalCase& k) { k.batch.sources[0].offset = k.batch.values.numel() + 1; }),
                 "outside the packed buffer");
  expect_invalid(with([](MedicalCase& k) { k.batch.sources.back().width += 1000; }), "runs past the end");
  expect_invalid(with([](MedicalCase& k) { k.spec.out_h = -3; }), "output size");
  expect_invalid(with([](MedicalCase& k) { k.spec.out_channels = 2; }), "out_channels must be 1 or 3");
  expect_invalid(with([](MedicalCase& k) { k.spec.std = -1.0f; }), "std must be positive");
  expect_invalid(with([](MedicalCase& k) { k.intensities.back().bits_stored = 17; }), "bits_stored");
  expect_invalid(with([](MedicalCase& k) {
                   k.intensities[0].function = VoiFunction::linear;
                   k.intensities[0].window_width = 0.5f;
                 }),
                 "sample 0: voi_value: the LINEAR VOI function needs window width >= 1");
  expect_invalid(with([](MedicalCase& k) { k.format.dtype = torch::kInt32; }), "output dtype");
  // u8 output ignores mean/std, so a std of 0 is no error there.
  MedicalCase u8 = good;
  u8.format.dtype = torch::kUInt8;
  u8.spec.std = 0.0f;
  EXPECT_NO_THROW(run(u8));
}

}  // namespace
}  // namespace tessera::ops
