// The fused preprocessing reference against (a) a direct per-pixel re-implementation written from
// the stated formulas in double precision, (b) hand-computed values, (c) PyTorch's bilinear
// interpolate. Tolerances: 1e-5 absolute where only float rounding separates the two sides,
// 1e-4 against PyTorch (the float tolerance of README's preprocessing conventions the CUDA kernel will be held to).
#include "tessera/ops/preprocess_images.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <stdexcept>
#include <vector>

#include "tessera/ops/resize.h"

namespace tessera::ops {
namespace {

struct TestImage {
  int height, width, channels;
  std::vector<std::uint8_t> pixels;
  ImageU8View view() const { return {pixels.data(), height, width, channels}; }
  int at(int y, int x, int c) const { return pixels[(static_cast<std::size_t>(y) * width + x) * channels + c]; }
};

TestImage random_image(int height, int width, int channels, std::uint32_t seed) {
  TestImage image{height, width, channels,
                  std::vector<std::uint8_t>(static_cast<std::size_t>(height) * width * channels)};
  std::mt19937 rng(seed);
  for (auto& v : image.pixels) v = static_cast<std::uint8_t>(rng());
  return image;
}

// Half-pixel-centre bilinear sample of the image resized to resized_h x resized_w, straight
// from the formula: src = (dst + 0.5) * in / out - 0.5, clamped to [0, in - 1].
double reference_resized_value(const TestImage& image, int resized_h, int resized_w, int y, int x, int c) {
  auto locate = [](int dst, int in, int out, int& lower, int& upper, double& weight) {
    const double src = std::clamp((dst + 0.5) * in / out - 0.5, 0.0, static_cast<double>(in - 1));
    lower = static_cast<int>(std::floor(src));
    upper = std::min(lower + 1, in - 1);
    weight = src - lower;
  };
  int y0, y1, x0, x1;
  double wy, wx;
  locate(y, image.height, resized_h, y0, y1, wy);
  locate(x, image.width, resized_w, x0, x1, wx);
  const double top = (1 - wx) * image.at(y0, x0, c) + wx * image.at(y0, x1, c);
  const double bottom = (1 - wx) * image.at(y1, x0, c) + wx * image.at(y1, x1, c);
  return (1 - wy) * top + wy * bottom;
}

std::vector<double> reference_preprocess(const TestImage& image, const ImagePreprocessSpec& spec,
                                         const SampleParams& params) {
  const int resized_h = spec.resize_h > 0 ? spec.resize_h : image.height;
  const int resized_w = spec.resize_w > 0 ? spec.resize_w : image.width;
  std::vector<double> out;
  for (int c = 0; c < image.channels; ++c) {
    for (int oy = 0; oy < spec.out_h; ++oy) {
      for (int ox = 0; ox < spec.out_w; ++ox) {
        const int y = params.crop_y + oy;
        const int x = params.crop_x + (params.flip ? spec.out_w - 1 - ox : ox);
        const bool inside = y >= 0 && y < resized_h && x >= 0 && x < resized_w;
        const double value = inside ? reference_resized_value(image, resized_h, resized_w, y, x, c) : 0.0;
        out.push_back((value / 255.0 - spec.mean[c]) / spec.std[c]);
      }
    }
  }
  return out;
}

std::vector<float> run_preprocess(const TestImage& image, const ImagePreprocessSpec& spec, const SampleParams& params) {
  std::vector<float> out(static_cast<std::size_t>(image.channels) * spec.out_h * spec.out_w);
  preprocess_images_reference(image.view(), spec, params, out.data());
  return out;
}

template <class A, class B>
double max_abs_diff(const std::vector<A>& a, const std::vector<B>& b) {
  EXPECT_EQ(a.size(), b.size());
  double worst = 0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    worst = std::max(worst, std::abs(static_cast<double>(a[i]) - static_cast<double>(b[i])));
  }
  return worst;
}

const std::vector<float> kImagenetMean = {0.485f, 0.456f, 0.406f};
const std::vector<float> kImagenetStd = {0.229f, 0.224f, 0.225f};

TEST(BilinearTaps, HandComputedTwoToFour) {
  // src = (d + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25 -> clamp, 0 + 0.25, 0 + 0.75, clamp.
  const std::vector<BilinearTap> taps = bilinear_taps(2, 4);
  ASSERT_EQ(taps.size(), 4u);
  const int lower[] = {0, 0, 0, 1}, upper[] = {0, 1, 1, 1};
  const float weight[] = {0.0f, 0.25f, 0.75f, 0.0f};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(taps[i].lower, lower[i]) << i;
    EXPECT_EQ(taps[i].upper, upper[i]) << i;
    EXPECT_FLOAT_EQ(taps[i].weight, weight[i]) << i;
  }
  const std::uint8_t row[] = {0, 255};
  std::uint8_t out[4];
  resize_bilinear_u8({row, 1, 2, 1}, 1, 4, out);
  EXPECT_EQ(std::vector<int>(out, out + 4), (std::vector<int>{0, 64, 191, 255}));  // 63.75, 191.25 rounded
  EXPECT_THROW(bilinear_taps(0, 3), std::invalid_argument);
  EXPECT_THROW(resize_bilinear_u8({row, 1, 2, 1}, 0, 4, out), std::invalid_argument);
  EXPECT_THROW(resize_bilinear_u8({nullptr, 1, 2, 1}, 1, 4, out), std::invalid_argument);
}

TEST(HwcToChwNormalize, MatchesFormula) {
  const TestImage image = random_image(4, 5, 3, 1);
  std::vector<float> out(3 * 4 * 5);
  hwc_to_chw_normalize(image.view(), kImagenetMean, kImagenetStd, out.data());
  for (int c = 0; c < 3; ++c) {
    for (int y = 0; y < 4; ++y) {
      for (int x = 0; x < 5; ++x) {
        const double expected = (image.at(y, x, c) / 255.0 - kImagenetMean[c]) / kImagenetStd[c];
        EXPECT_NEAR(out[(c * 4 + y) * 5 + x], expected, 1e-5) << c << "," << y << "," << x;
      }
    }
  }
}

TEST(PreprocessImagesReference, IdentityResizeAndCentreCropEqualsNormalisedRegion) {
  const TestImage image = random_image(9, 12, 3, 2);
  const ImagePreprocessSpec spec{0, 0, 5, 7, kImagenetMean, kImagenetStd};
  const SampleParams params = center_crop(spec, 9, 12);
  ASSERT_EQ(params.crop_y, 2);  // (9 - 5) / 2
  ASSERT_EQ(params.crop_x, 2);  // round(2.5) -> 2, half to even
  TestImage region{5, 7, 3, {}};
  for (int y = 0; y < 5; ++y) {
    for (int x = 0; x < 7; ++x) {
      for (int c = 0; c < 3; ++c) region.pixels.push_back(static_cast<std::uint8_t>(image.at(y + 2, x + 2, c)));
    }
  }
  std::vector<float> expected(3 * 5 * 7);
  hwc_to_chw_normalize(region.view(), kImagenetMean, kImagenetStd, expected.data());
  EXPECT_LE(max_abs_diff(run_preprocess(image, spec, params), expected), 1e-5);
}

TEST(PreprocessImagesReference, MatchesDirectReferenceAcrossResizeCropFlipAndPadding) {
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> size(1, 40);
  for (int i = 0; i < 100; ++i) {
    const int channels = i % 2 == 0 ? 3 : 1;
    const TestImage image = random_image(size(rng), size(rng), channels, 100 + i);
    ImagePreprocessSpec spec;
    spec.resize_h = i % 5 == 0 ? 0 : size(rng);  // sometimes keep the source size
    spec.resize_w = i % 5 == 0 ? 0 : size(rng);
    spec.out_h = size(rng);
    spec.out_w = size(rng);
    spec.mean = channels == 3 ? kImagenetMean : std::vector<float>{0.5f};
    spec.std = channels == 3 ? kImagenetStd : std::vector<float>{0.25f};
    std::uniform_int_distribution<int> offset(-10, 30);  // covers inside, padded and fully outside windows
    const SampleParams params{offset(rng), offset(rng), i % 3 == 0};
    EXPECT_LE(max_abs_diff(run_preprocess(image, spec, params), reference_preprocess(image, spec, params)), 1e-5)
        << "case " << i;
  }
}

TEST(PreprocessImagesReference, FlipMirrorsTheWindowExactly) {
  const TestImage image = random_image(20, 31, 3, 4);
  const ImagePreprocessSpec spec{15, 23, 9, 11, kImagenetMean, kImagenetStd};
  const SampleParams straight{3, -2, false};  // runs off the left edge: padding must mirror too
  const SampleParams flipped{3, -2, true};
  const std::vector<float> a = run_preprocess(image, spec, straight);
  const std::vector<float> b = run_preprocess(image, spec, flipped);
  for (int c = 0; c < 3; ++c) {
    for (int y = 0; y < 9; ++y) {
      for (int x = 0; x < 11; ++x) {
        EXPECT_EQ(b[(c * 9 + y) * 11 + x], a[(c * 9 + y) * 11 + (10 - x)]) << c << "," << y << "," << x;
      }
    }
  }
}

TEST(PreprocessImagesReference, PaddingIsZeroBeforeNormalisation) {
  const TestImage image = random_image(6, 6, 3, 5);
  const ImagePreprocessSpec spec{0, 0, 10, 10, kImagenetMean, kImagenetStd};
  const SampleParams params{-3, -1, false};  // rows 0..2, column 0 and columns 7..9 are outside
  const std::vector<float> out = run_preprocess(image, spec, params);
  for (int c = 0; c < 3; ++c) {
    const double padded = (0.0 - kImagenetMean[c]) / kImagenetStd[c];
    for (int y = 0; y < 10; ++y) {
      for (int x = 0; x < 10; ++x) {
        const bool inside = y >= 3 && y < 9 && x >= 1 && x < 7;
        const double expected =
            inside ? (image.at(y - 3, x - 1, c) / 255.0 - kImagenetMean[c]) / kImagenetStd[c] : padded;
        EXPECT_NEAR(out[(c * 10 + y) * 10 + x], expected, 1e-5) << c << "," << y << "," << x;
      }
    }
  }
  const std::vector<float> far_away = run_preprocess(image, spec, SampleParams{100, -100, true});
  for (int i = 0; i < 300; ++i) EXPECT_NEAR(far_away[i], -kImagenetMean[i / 100] / kImagenetStd[i / 100], 1e-6);
}

TEST(PreprocessImagesReference, FloatPathAgreesWithRoundedU8ResizeWithinHalfALevel) {
  // The u8 resize differs from the float path only by its final rounding (<= 0.5 level).
  std::mt19937 rng(6);
  std::uniform_int_distribution<int> size(1, 60);
  for (int i = 0; i < 30; ++i) {
    const TestImage image = random_image(size(rng), size(rng), 3, 200 + i);
    const int out_h = size(rng), out_w = size(rng);
    const ImagePreprocessSpec spec{out_h, out_w, out_h, out_w, kImagenetMean, kImagenetStd};
    TestImage resized{out_h, out_w, 3, std::vector<std::uint8_t>(static_cast<std::size_t>(out_h) * out_w * 3)};
    resize_bilinear_u8(image.view(), out_h, out_w, resized.pixels.data());
    std::vector<float> expected(resized.pixels.size());
    hwc_to_chw_normalize(resized.view(), kImagenetMean, kImagenetStd, expected.data());
    const std::vector<float> got = run_preprocess(image, spec, SampleParams{});
    const double tolerance = 0.5 / 255.0 / *std::min_element(kImagenetStd.begin(), kImagenetStd.end()) + 1e-5;
    EXPECT_LE(max_abs_diff(got, expected), tolerance) << "case " << i;
  }
}

TEST(PreprocessImagesReference, MatchesTorchBilinearInterpolate) {
  struct Case {
    int h, w, channels, resize_h, resize_w, out_h, out_w;
  };
  const Case cases[] = {
      {37, 53, 3, 24, 32, 20, 28},     // downscale, centre crop
      {13, 9, 3, 40, 31, 32, 31},      // upscale
      {64, 48, 1, 64, 48, 64, 48},     // identity
      {120, 90, 3, 57, 211, 57, 200},  // down along y, up along x
      {1, 7, 1, 5, 5, 5, 5},
  };
  for (const Case& k : cases) {
    const TestImage image = random_image(k.h, k.w, k.channels, static_cast<std::uint32_t>(k.h * 1000 + k.w));
    const torch::Tensor hwc =
        torch::from_blob(const_cast<std::uint8_t*>(image.pixels.data()), {k.h, k.w, k.channels}, torch::kUInt8);
    const torch::Tensor nchw = hwc.permute({2, 0, 1}).unsqueeze(0).to(torch::kFloat32);
    namespace F = torch::nn::functional;
    const torch::Tensor resized = F::interpolate(nchw, F::InterpolateFuncOptions()
                                                           .size(std::vector<int64_t>{k.resize_h, k.resize_w})
                                                           .mode(torch::kBilinear)
                                                           .align_corners(false)
                                                           .antialias(false)) /
                                  255.0;

    const ImagePreprocessSpec spec{k.resize_h,
                                   k.resize_w,
                                   k.out_h,
                                   k.out_w,
                                   std::vector<float>(k.channels, 0.0f),
                                   std::vector<float>(k.channels, 1.0f)};
    const SampleParams params = center_crop(spec, k.h, k.w);
    const torch::Tensor expected =
        resized[0].narrow(1, params.crop_y, k.out_h).narrow(2, params.crop_x, k.out_w).contiguous();
    const std::vector<float> got = run_preprocess(image, spec, params);
    const torch::Tensor got_tensor =
        torch::from_blob(const_cast<float*>(got.data()), expected.sizes(), torch::kFloat32);
    EXPECT_LE((got_tensor - expected).abs().max().item<double>(), 1e-4)
        << k.h << "x" << k.w << " -> " << k.resize_h << "x" << k.resize_w;
  }
}

TEST(CenterCrop, RoundsLikeTorchvision) {
  // torchvision: top = int(round((H - h) / 2.0)) with Python's half-to-even round when the window
  // fits; otherwise it pads (h - H) // 2 on top, i.e. top = -((h - H) // 2).
  auto top_for = [](int height, int crop) {
    return center_crop(ImagePreprocessSpec{0, 0, crop, 1, {}, {}}, height, 1).crop_y;
  };
  EXPECT_EQ(top_for(10, 10), 0);
  EXPECT_EQ(top_for(10, 9), 0);  // round(0.5) = 0
  EXPECT_EQ(top_for(12, 9), 2);  // round(1.5) = 2
  EXPECT_EQ(top_for(14, 9), 2);  // round(2.5) = 2
  EXPECT_EQ(top_for(13, 9), 2);
  EXPECT_EQ(top_for(16, 9), 4);  // round(3.5) = 4
  EXPECT_EQ(top_for(5, 8), -1);  // pad 3: 1 above, 2 below
  EXPECT_EQ(top_for(5, 9), -2);
  // Offsets are in resized coordinates.
  const SampleParams p = center_crop(ImagePreprocessSpec{256, 300, 224, 224, {}, {}}, 480, 640);
  EXPECT_EQ(p.crop_y, 16);
  EXPECT_EQ(p.crop_x, 38);
  EXPECT_FALSE(p.flip);
}

TEST(RandomCrop, DeterministicPerSeedAndCoversExactlyTheAllowedRange) {
  const ImagePreprocessSpec spec{0, 0, 8, 6, {}, {}};
  const int height = 10, width = 7, pad = 2;  // y in [-2, 10 + 2 - 8] = [-2, 4], x in [-2, 3]
  std::set<int> ys, xs;
  for (std::uint64_t seed = 0; seed < 2000; ++seed) {
    const SampleParams a = random_crop(spec, height, width, pad, 0.5, seed);
    const SampleParams b = random_crop(spec, height, width, pad, 0.5, seed);
    ASSERT_EQ(a.crop_y, b.crop_y);
    ASSERT_EQ(a.crop_x, b.crop_x);
    ASSERT_EQ(a.flip, b.flip);
    ys.insert(a.crop_y);
    xs.insert(a.crop_x);
  }
  EXPECT_EQ(ys, (std::set<int>{-2, -1, 0, 1, 2, 3, 4}));  // every value reached, none outside
  EXPECT_EQ(xs, (std::set<int>{-2, -1, 0, 1, 2, 3}));
  // Uses the resized size when one is given: y in [0, 256 - 224], x in [0, 300 - 224].
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    const SampleParams p = random_crop(ImagePreprocessSpec{256, 300, 224, 224, {}, {}}, 480, 640, 0, 0.0, seed);
    EXPECT_GE(p.crop_y, 0);
    EXPECT_LE(p.crop_y, 32);
    EXPECT_GE(p.crop_x, 0);
    EXPECT_LE(p.crop_x, 76);
  }
}

TEST(RandomCrop, FlipFollowsItsProbabilityWithoutMovingTheWindow) {
  const ImagePreprocessSpec spec{0, 0, 4, 4, {}, {}};
  int flips = 0;
  for (std::uint64_t seed = 0; seed < 4000; ++seed) {
    const SampleParams never = random_crop(spec, 16, 16, 0, 0.0, seed);
    const SampleParams always = random_crop(spec, 16, 16, 0, 1.0, seed);
    const SampleParams half = random_crop(spec, 16, 16, 0, 0.5, seed);
    EXPECT_FALSE(never.flip);
    EXPECT_TRUE(always.flip);
    EXPECT_EQ(half.crop_y, never.crop_y);
    EXPECT_EQ(half.crop_x, never.crop_x);
    flips += half.flip;
  }
  EXPECT_NEAR(flips / 4000.0, 0.5, 0.03);  // binomial sd 0.008: about 4 sd
}

TEST(PreprocessImagesReference, RejectsInconsistentArguments) {
  const TestImage image = random_image(4, 4, 3, 7);
  std::vector<float> out(3 * 4 * 4);
  const ImagePreprocessSpec good{0, 0, 4, 4, kImagenetMean, kImagenetStd};
  EXPECT_NO_THROW(preprocess_images_reference(image.view(), good, {}, out.data()));

  ImagePreprocessSpec short_mean = good;
  short_mean.mean.pop_back();
  ImagePreprocessSpec zero_std = good;
  zero_std.std[1] = 0.0f;
  ImagePreprocessSpec no_output = good;
  no_output.out_w = 0;
  ImagePreprocessSpec negative_resize = good;
  negative_resize.resize_h = -1;
  for (const ImagePreprocessSpec* bad : {&short_mean, &zero_std, &no_output, &negative_resize}) {
    EXPECT_THROW(preprocess_images_reference(image.view(), *bad, {}, out.data()), std::invalid_argument);
  }
  EXPECT_THROW(preprocess_images_reference({nullptr, 4, 4, 3}, good, {}, out.data()), std::invalid_argument);
  EXPECT_THROW(preprocess_images_reference({image.pixels.data(), 0, 4, 3}, good, {}, out.data()),
               std::invalid_argument);
  EXPECT_THROW(hwc_to_chw_normalize(image.view(), {0.5f}, kImagenetStd, out.data()), std::invalid_argument);
  EXPECT_THROW(center_crop(no_output, 4, 4), std::invalid_argument);
  EXPECT_THROW(random_crop(good, 3, 4, 0, 0.5, 1), std::invalid_argument);  // window taller than image
  EXPECT_NO_THROW(random_crop(good, 3, 4, 1, 0.5, 1));                      // fits once padded
  EXPECT_THROW(random_crop(good, 4, 4, -1, 0.5, 1), std::invalid_argument);
  EXPECT_THROW(random_crop(good, 4, 4, 0, 1.5, 1), std::invalid_argument);
}

}  // namespace
}  // namespace tessera::ops
