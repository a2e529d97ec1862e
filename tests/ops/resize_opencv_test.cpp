// resize_bilinear_u8 against cv::resize INTER_LINEAR, the convention it promises to follow.
// OpenCV interpolates with 11-bit fixed-point weights and we use float, so the contract is
// max |difference| <= 1 LSB, checked on random noise (which exposes any coordinate shift).
#include "tessera/ops/resize.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <random>
#include <string>
#include <vector>

namespace tessera::ops {
namespace {

struct ResizeCase {
  int in_h, in_w, out_h, out_w, channels;
  std::string describe() const {
    return std::to_string(in_h) + "x" + std::to_string(in_w) + "x" + std::to_string(channels) + " -> " +
           std::to_string(out_h) + "x" + std::to_string(out_w);
  }
};

// Largest per-value difference between our resize and OpenCV's for random noise input.
int max_diff_vs_opencv(const ResizeCase& rc, std::mt19937& rng) {
  std::vector<std::uint8_t> input(static_cast<std::size_t>(rc.in_h) * rc.in_w * rc.channels);
  for (auto& v : input) v = static_cast<std::uint8_t>(rng());

  std::vector<std::uint8_t> ours(static_cast<std::size_t>(rc.out_h) * rc.out_w * rc.channels);
  resize_bilinear_u8({input.data(), rc.in_h, rc.in_w, rc.channels}, rc.out_h, rc.out_w, ours.data());

  const cv::Mat src(rc.in_h, rc.in_w, CV_MAKETYPE(CV_8U, rc.channels), input.data());
  cv::Mat expected;
  cv::resize(src, expected, cv::Size(rc.out_w, rc.out_h), 0, 0, cv::INTER_LINEAR);
  EXPECT_TRUE(expected.isContinuous());
  int worst = 0;
  for (std::size_t i = 0; i < ours.size(); ++i) worst = std::max(worst, std::abs(ours[i] - expected.data[i]));
  return worst;
}

TEST(ResizeBilinearU8, MatchesOpenCvInterLinearOnRandomSizes) {
  std::mt19937 rng(2024);
  std::uniform_int_distribution<int> size(1, 48);
  const int channel_choices[] = {1, 3, 1, 3, 2, 4};  // 2 and 4 take the generic channel loop
  for (int i = 0; i < 200; ++i) {
    const ResizeCase rc{size(rng), size(rng), size(rng), size(rng), channel_choices[i % 6]};
    EXPECT_LE(max_diff_vs_opencv(rc, rng), 1) << rc.describe();
  }
}

TEST(ResizeBilinearU8, MatchesOpenCvOnEdgeAndTypicalShapes) {
  const ResizeCase cases[] = {
      {1, 1, 1, 1, 3},     {1, 1, 5, 7, 3},       {5, 7, 1, 1, 1},     {9, 13, 9, 13, 3},  // identity
      {16, 20, 8, 10, 3},  {17, 21, 34, 42, 1},   // exactly 1/2 (OpenCV switches to INTER_AREA) and 2x
      {300, 7, 3, 200, 3}, {2, 500, 333, 1, 1},   // extreme ratios, opposite per axis
      {480, 640, 224, 224, 3}, {224, 224, 480, 640, 3}, {375, 500, 256, 341, 3},
  };
  std::mt19937 rng(7);
  for (const ResizeCase& rc : cases) EXPECT_LE(max_diff_vs_opencv(rc, rng), 1) << rc.describe();
}

}  // namespace
}  // namespace tessera::ops
