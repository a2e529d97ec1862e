// Live drift: images measured as they arrive, compared with a reference over a window that
// slides by half its length; a shifted input distribution is reported, the same one is not.
#include "tessera/serve/live_drift.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace tessera::serve {
namespace {

constexpr int kSide = 32;

// A grey kSide x kSide image, pixels uniform in [low, high).
data::DecodedSample grey_image(std::mt19937& rng, int low, int high) {
  std::uniform_int_distribution<int> pixel(low, high - 1);
  data::DecodedSample sample;
  sample.image.height = sample.height = kSide;
  sample.image.width = sample.width = kSide;
  sample.image.channels = 1;
  sample.image.pixels.resize(static_cast<std::size_t>(kSide * kSide));
  for (auto& p : sample.image.pixels) p = static_cast<std::uint8_t>(pixel(rng));
  return sample;
}

tasks::FeatureSummary reference_of(int images, int low, int high) {
  std::mt19937 rng(1);
  tasks::ImageObserver observer(1, false, 32, 5000, 0, {"a", "b"});
  for (int i = 0; i < images; ++i) {
    const data::DecodedSample s = grey_image(rng, low, high);
    observer.add_image(s.image.pixels.data(), kSide, kSide, 1);
  }
  return observer.summary();
}

config::DriftConfig window_of(int images) {
  config::DriftConfig settings;
  settings.max_images = images;
  return settings;
}

const float kNoPrediction = std::numeric_limits<float>::quiet_NaN();

// Feeds `count` images uniform in [low, high); returns the snapshots with the image number
// (1-based) each arrived at.
std::vector<std::pair<int, DriftSnapshot>> feed(LiveDrift& drift, std::mt19937& rng, int count, int low, int high,
                                                int first = 1) {
  std::vector<std::pair<int, DriftSnapshot>> snapshots;
  for (int i = 0; i < count; ++i) {
    if (auto s = drift.observe(grey_image(rng, low, high), false, &kNoPrediction, 0)) {
      snapshots.emplace_back(first + i, *s);
    }
  }
  return snapshots;
}

double psi_of(const DriftSnapshot& s, const std::string& feature) {
  for (const auto& [name, psi] : s.psi) {
    if (name == feature) return psi;
  }
  return -1;
}

TEST(LiveDrift, TheSameDistributionIsComparedEveryHalfWindowWithoutDrift) {
  LiveDrift drift(reference_of(400, 0, 100), window_of(200), 0);
  std::mt19937 rng(2);
  const auto snapshots = feed(drift, rng, 400, 0, 100);
  // Windows end at images 200 (the first measurement), 300 (the second, started at 101) and 400.
  ASSERT_EQ(snapshots.size(), 3u);
  EXPECT_EQ(snapshots[0].first, 200);
  EXPECT_EQ(snapshots[1].first, 300);
  EXPECT_EQ(snapshots[2].first, 400);
  for (const auto& [at, s] : snapshots) {
    EXPECT_EQ(s.images, 200);
    EXPECT_FALSE(s.drift) << "at image " << at << ": " << (s.drifting.empty() ? "" : s.drifting[0]);
    EXPECT_LT(psi_of(s, "pixel_histogram.grey"), 0.01);
    EXPECT_EQ(psi_of(s, "width"), 0.0);
  }
}

TEST(LiveDrift, BrighterImagesDriftInTheirHistogramAndMeanIntensity) {
  LiveDrift drift(reference_of(400, 0, 100), window_of(200), 0);
  std::mt19937 rng(3);
  const auto snapshots = feed(drift, rng, 200, 150, 250);
  ASSERT_EQ(snapshots.size(), 1u);
  const DriftSnapshot& s = snapshots[0].second;
  EXPECT_TRUE(s.drift);
  EXPECT_GT(psi_of(s, "pixel_histogram.grey"), 1.0);
  EXPECT_NE(std::find(s.drifting.begin(), s.drifting.end(), "mean_intensity.grey"), s.drifting.end());
  EXPECT_EQ(std::find(s.drifting.begin(), s.drifting.end(), "width"), s.drifting.end());
}

TEST(LiveDrift, UnreadableElementsAndTheOtherKindAreNotMeasured) {
  LiveDrift drift(reference_of(400, 0, 100), window_of(20), 0);
  std::mt19937 rng(4);
  data::DecodedSample unreadable;
  unreadable.failure = "cannot decode input #3: not an image";
  data::DecodedSample colour = grey_image(rng, 0, 100);
  colour.image.channels = 3;  // not what the reference measured
  for (int i = 0; i < 30; ++i) {
    EXPECT_FALSE(drift.observe(unreadable, false, &kNoPrediction, 0));
    EXPECT_FALSE(drift.observe(grey_image(rng, 0, 100), true, &kNoPrediction, 0));  // a DICOM element
    EXPECT_FALSE(drift.observe(colour, false, &kNoPrediction, 0));
  }
  EXPECT_TRUE(feed(drift, rng, 19, 0, 100).empty());
  EXPECT_EQ(feed(drift, rng, 1, 0, 100).size(), 1u);  // the 20th measured image
}

}  // namespace
}  // namespace tessera::serve
