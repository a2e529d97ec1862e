// apply_affine against OpenCV: cv::getRotationMatrix2D about the centre of the pixel grid
// ((W-1)/2, (H-1)/2 in pixel-index coordinates, which is the half-pixel-centre convention of
// README, Preprocessing conventions) and cv::warpAffine with INTER_LINEAR and a constant border. OpenCV quantises the
// sampling position to 1/32 pixel (INTER_TAB_SIZE), so the images are smooth (neighbours differ
// by at most 0.11) and the tolerances follow from that step: 0.005 where all four bilinear taps
// lie inside the image, and 0.03 (1/32 of the largest jump to the fill, 0.75) where a tap falls
// on the border. The worst seen: 0.0023 inside, 0.012 at the border.
#include "tessera/ops/random_affine.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <numbers>
#include <opencv2/imgproc.hpp>

namespace tessera::ops {
namespace {

// A smooth pattern: a few low-frequency waves, values in [0, 1].
cv::Mat smooth_image(int height, int width, int phase) {
  cv::Mat image(height, width, CV_32F);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      image.at<float>(y, x) = static_cast<float>(0.5 + 0.25 * std::sin(0.35 * x + phase) + 0.25 * std::cos(0.28 * y - 0.5 * phase));
    }
  }
  return image;
}

TEST(ApplyAffineOpenCv, MatchesWarpAffineAtAnyAngleAndScale) {
  const float fill = 0.25f;
  for (const auto& [height, width] : {std::pair{20, 20}, std::pair{16, 24}, std::pair{31, 17}}) {
    for (const auto& [degrees, scale] : {std::pair{12.0, 1.0}, std::pair{-30.0, 0.9}, std::pair{7.5, 1.15}, std::pair{135.0, 1.0}}) {
      SCOPED_TRACE(std::to_string(height) + "x" + std::to_string(width) + " at " + std::to_string(degrees) +
                   " degrees, scale " + std::to_string(scale));
      const cv::Mat source = smooth_image(height, width, static_cast<int>(degrees));
      const cv::Mat matrix = cv::getRotationMatrix2D(cv::Point2f((width - 1) / 2.0f, (height - 1) / 2.0f), degrees, scale);
      cv::Mat expected;
      cv::warpAffine(source, expected, matrix, source.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(fill));
      const auto batch = torch::from_blob(source.data, {1, 1, height, width}, torch::kFloat32).clone();
      const auto ours = apply_affine(batch, {{degrees * std::numbers::pi / 180.0, scale}}, {fill});
      const auto reference = torch::from_blob(expected.data, {1, 1, height, width}, torch::kFloat32);
      // Where every tap is inside, warping an image of ones with fill 0 gives exactly 1.
      const auto inside = apply_affine(torch::ones({1, 1, height, width}), {{degrees * std::numbers::pi / 180.0, scale}},
                                       {0.0f}) == 1.0f;
      const auto difference = (ours - reference).abs();
      ASSERT_GT(inside.sum().item<std::int64_t>(), height * width / 4);
      EXPECT_LT(difference.masked_select(inside).max().item<float>(), 0.005f);
      EXPECT_LT(difference.max().item<float>(), 0.03f);
      std::printf("  %dx%d %7.1f deg x%.2f: max |diff| inside %.4f, anywhere %.4f\n", height, width, degrees, scale,
                  difference.masked_select(inside).max().item<float>(), difference.max().item<float>());
    }
  }
}

}  // namespace
}  // namespace tessera::ops
