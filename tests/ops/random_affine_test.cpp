// ops::random_affine / apply_affine on the CPU: the draws (range, determinism, independence from
// the crop's stream) and the warp's fixed points: the identity, exact quarter turns (which land on
// pixel centres, so they must equal a transpose-and-flip bit for bit up to float rounding), the
// fill outside the source, and the dtype and memory format kept. OpenCV's warpAffine is the
// independent reference for general angles (random_affine_opencv_test.cpp).
#include "tessera/ops/random_affine.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <numbers>

namespace tessera::ops {
namespace {

TEST(RandomAffine, DrawsStayInRangeAndDependOnTheSeedAlone) {
  const AffineJitter jitter{12.0, 0.1};
  double sum_angle = 0.0, sum_scale = 0.0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    const auto p = random_affine(jitter, static_cast<std::uint64_t>(i) * 7919u);
    ASSERT_LE(std::abs(p.radians), 12.0 * std::numbers::pi / 180.0);
    ASSERT_GE(p.scale, 0.9);
    ASSERT_LE(p.scale, 1.1);
    sum_angle += p.radians;
    sum_scale += p.scale;
    const auto again = random_affine(jitter, static_cast<std::uint64_t>(i) * 7919u);
    ASSERT_EQ(p.radians, again.radians);
    ASSERT_EQ(p.scale, again.scale);
  }
  // Uniform and centred: the mean of 20,000 draws is within 4 standard errors of 0 (and 1).
  const double angle_se = 12.0 * std::numbers::pi / 180.0 / std::sqrt(3.0 * n), scale_se = 0.1 / std::sqrt(3.0 * n);
  EXPECT_LT(std::abs(sum_angle / n), 4 * angle_se);
  EXPECT_LT(std::abs(sum_scale / n - 1.0), 4 * scale_se);
  const auto none = random_affine({}, 42);
  EXPECT_EQ(none.radians, 0.0);
  EXPECT_EQ(none.scale, 1.0);
}

TEST(RandomAffine, RejectsOutOfRangeJitter) {
  EXPECT_THROW(random_affine({181.0, 0.0}, 1), std::invalid_argument);
  EXPECT_THROW(random_affine({-1.0, 0.0}, 1), std::invalid_argument);
  EXPECT_THROW(random_affine({0.0, 1.0}, 1), std::invalid_argument);
  EXPECT_THROW(random_affine({0.0, std::nan("")}, 1), std::invalid_argument);
}

TEST(ApplyAffine, IdentityKeepsTheBatch) {
  torch::manual_seed(0);
  const auto batch = torch::rand({3, 2, 7, 9});
  const auto out = apply_affine(batch, {{}, {}, {}}, {0.5f, -1.0f});
  EXPECT_LT((out - batch).abs().max().item<float>(), 1e-6f);
}

TEST(ApplyAffine, QuarterTurnsAreExactRotations) {
  torch::manual_seed(1);
  const auto batch = torch::rand({2, 1, 6, 6});
  const auto left = apply_affine(batch, {{std::numbers::pi / 2, 1.0}, {-std::numbers::pi / 2, 1.0}}, {0.0f});
  // +90 degrees: counter-clockwise as displayed (y down), like cv::getRotationMatrix2D.
  EXPECT_LT((left[0] - torch::rot90(batch[0], 1, {1, 2})).abs().max().item<float>(), 1e-5f);
  EXPECT_LT((left[1] - torch::rot90(batch[1], -1, {1, 2})).abs().max().item<float>(), 1e-5f);
}

TEST(ApplyAffine, FillsWhatComesFromOutsideTheImage) {
  const auto batch = torch::zeros({1, 2, 8, 8});
  // Shrunk to half: the border ring of 2 pixels samples outside, and gets each channel's fill.
  const auto out = apply_affine(batch, {{0.0, 0.5}}, {-1.0f, 2.0f});
  EXPECT_FLOAT_EQ(out[0][0][0][0].item<float>(), -1.0f);
  EXPECT_FLOAT_EQ(out[0][1][7][7].item<float>(), 2.0f);
  EXPECT_FLOAT_EQ(out[0][0][4][4].item<float>(), 0.0f);  // the centre still samples the image
}

TEST(ApplyAffine, KeepsDtypeAndChannelsLast) {
  const auto batch = torch::rand({2, 3, 5, 5}).to(torch::kBFloat16).contiguous(at::MemoryFormat::ChannelsLast);
  const auto out = apply_affine(batch, {{0.3, 1.1}, {-0.2, 0.9}}, {0.0f, 0.0f, 0.0f});
  EXPECT_EQ(out.scalar_type(), torch::kBFloat16);
  EXPECT_TRUE(out.is_contiguous(at::MemoryFormat::ChannelsLast));
  EXPECT_EQ(out.sizes(), batch.sizes());
}

TEST(ApplyAffine, RejectsMismatchedParamsAndFill) {
  const auto batch = torch::zeros({2, 1, 4, 4});
  EXPECT_THROW(apply_affine(batch, {{}}, {0.0f}), std::invalid_argument);
  EXPECT_THROW(apply_affine(batch, {{}, {}}, {0.0f, 0.0f}), std::invalid_argument);
  EXPECT_THROW(apply_affine(torch::zeros({4, 4}), {}, {}), std::invalid_argument);
}

}  // namespace
}  // namespace tessera::ops
