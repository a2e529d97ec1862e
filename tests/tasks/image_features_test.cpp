// Image features on hand-computed images and the bounded sample (the comparison: tests/monitor).
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "tessera/core/error.h"
#include "tessera/tasks/bounded_sample.h"
#include "tessera/tasks/image_features.h"

namespace tessera::tasks {
namespace {

TEST(ImageObserver, GreyImageHistogramMeanAndGeometry) {
  ImageObserver observer(1, false, 4, 100, 0, {"a", "b"});
  // 2 x 3 grey: bins of 64 values: 0 -> 0, 100 -> 1, 200 and 255 -> 3, 64 -> 1, 63 -> 0.
  const std::uint8_t pixels[] = {0, 100, 200, 255, 64, 63};
  observer.add_image(pixels, 2, 3, 1);
  const FeatureSummary s = observer.summary();
  ASSERT_EQ(s.channels, (std::vector<std::string>{"grey"}));
  EXPECT_EQ(s.histograms[0], (std::vector<double>{2 / 6.0, 2 / 6.0, 0.0, 2 / 6.0}));
  EXPECT_DOUBLE_EQ(s.samples.at("mean_intensity.grey").at(0), (0 + 100 + 200 + 255 + 64 + 63) / 6.0);
  EXPECT_EQ(s.samples.at("width"), std::vector<double>{3});
  EXPECT_EQ(s.samples.at("height"), std::vector<double>{2});
  EXPECT_DOUBLE_EQ(s.samples.at("aspect").at(0), 1.5);
  EXPECT_EQ(s.images, 1);
}

TEST(ImageObserver, EveryImageCountsEquallyInTheHistogram) {
  ImageObserver observer(1, false, 2, 100, 0, {"a", "b"});
  const std::vector<std::uint8_t> dark(100, 0);      // 10 x 10, all in bin 0
  const std::uint8_t bright[] = {255, 255, 0, 255};  // 2 x 2: 1/4 in bin 0, 3/4 in bin 1
  observer.add_image(dark.data(), 10, 10, 1);
  observer.add_image(bright, 2, 2, 1);
  // The mean of (1, 0) and (1/4, 3/4), not the pooled 101/104 pixels.
  EXPECT_EQ(observer.summary().histograms[0], (std::vector<double>{0.625, 0.375}));
}

TEST(ImageObserver, ColourChannelsAreMeasuredApart) {
  ImageObserver observer(3, false, 2, 100, 0, {"a", "b"});
  const std::uint8_t rgb[] = {255, 0, 10, 255, 0, 200};  // 1 x 2 RGB
  observer.add_image(rgb, 1, 2, 3);
  const FeatureSummary s = observer.summary();
  ASSERT_EQ(s.channels, (std::vector<std::string>{"red", "green", "blue"}));
  EXPECT_EQ(s.histograms[0], (std::vector<double>{0, 1}));
  EXPECT_EQ(s.histograms[1], (std::vector<double>{1, 0}));
  EXPECT_EQ(s.histograms[2], (std::vector<double>{0.5, 0.5}));
  EXPECT_DOUBLE_EQ(s.samples.at("mean_intensity.blue").at(0), 105.0);
  EXPECT_THROW(observer.add_image(rgb, 1, 2, 1), std::invalid_argument);
}

TEST(ImageObserver, DicomIsMeasuredAfterWindowingToUnitRange) {
  ImageObserver observer(3, true, 4, 100, 0, {"a", "b"});  // DICOM: one plane whatever the model's channels
  ops::MedicalIntensity intensity;
  intensity.function = ops::VoiFunction::linear_exact;  // y = (x - 50) / 100 + 0.5 = x / 100, clipped
  intensity.window_center = 50;
  intensity.window_width = 100;
  const std::uint16_t words[] = {0, 25, 50, 100, 400, 60};  // y = 0, .25, .5, 1, 1 (clipped), .6
  observer.add_dicom(words, 2, 3, intensity);
  intensity.invert = true;  // MONOCHROME1: 1 - y
  const std::uint16_t flat[] = {0, 0};
  observer.add_dicom(flat, 1, 2, intensity);
  const FeatureSummary s = observer.summary();
  ASSERT_EQ(s.channels, (std::vector<std::string>{"grey"}));
  // Image 1: bins 0, 1, 2, 3, 3, 2 -> (1, 1, 2, 2) / 6; image 2: y = 1 twice -> bin 3.
  const std::vector<double> expected{1 / 12.0, 1 / 12.0, 2 / 12.0, (2 / 6.0 + 1) / 2};
  for (int b = 0; b < 4; ++b) EXPECT_NEAR(s.histograms[0][b], expected[b], 1e-15) << b;
  EXPECT_NEAR(s.samples.at("mean_intensity.grey").at(0), (0 + .25 + .5 + 1 + 1 + .6) / 6, 1e-7);
  EXPECT_DOUBLE_EQ(s.samples.at("mean_intensity.grey").at(1), 1.0);
}

TEST(ImageObserver, PredictionsCountTheTopClassAndItsProbability) {
  ImageObserver observer(1, false, 4, 100, 0, {"a", "b", "c"});
  const float p1[] = {0.1f, 0.7f, 0.2f}, p2[] = {0.5f, 0.25f, 0.25f}, p3[] = {0.2f, 0.3f, 0.5f};
  observer.add_prediction(p1, 3);
  observer.add_prediction(p2, 3);
  observer.add_prediction(p3, 3);
  const FeatureSummary s = observer.summary();
  EXPECT_EQ(s.predicted, (std::vector<double>{1, 1, 1}));
  EXPECT_EQ(s.samples.at("confidence"), (std::vector<double>{0.7f, 0.5f, 0.5f}));
  EXPECT_EQ(s.predicted_images, 3);
  EXPECT_THROW(observer.add_prediction(p1, 2), std::invalid_argument);
}

TEST(ImageObserver, SummaryRoundTripsThroughJson) {
  ImageObserver observer(1, false, 4, 100, 7, {"a", "b"});
  const std::uint8_t pixels[] = {0, 100, 200, 255};
  const float p[] = {0.25f, 0.75f};
  observer.add_image(pixels, 2, 2, 1);
  observer.add_prediction(p, 2);
  observer.add_unreadable();
  const FeatureSummary s = observer.summary();
  const FeatureSummary back = summary_from_json(to_json(s), "test");
  EXPECT_EQ(back.histograms, s.histograms);
  EXPECT_EQ(back.samples, s.samples);
  EXPECT_EQ(back.seen, s.seen);
  EXPECT_EQ(back.predicted, s.predicted);
  EXPECT_EQ(back.unreadable, 1);
  EXPECT_THROW(summary_from_json(nlohmann::json{{"dicom", false}}, "broken.json"), UserError);
}

TEST(BoundedSample, KeepsEverythingUntilFullThenAUniformSeededChoice) {
  BoundedSample small(5, 1, "x");
  for (int i = 0; i < 4; ++i) small.add(i);
  EXPECT_EQ(small.values(), (std::vector<double>{0, 1, 2, 3}));

  BoundedSample a(10, 1, "x"), b(10, 1, "x"), c(10, 1, "y");
  for (int i = 0; i < 1000; ++i) {
    a.add(i);
    b.add(i);
    c.add(i);
  }
  EXPECT_EQ(a.values().size(), 10u);
  EXPECT_EQ(a.seen(), 1000);
  EXPECT_EQ(a.values(), b.values()) << "same seed and stream, same sample";
  EXPECT_NE(a.values(), c.values()) << "another stream, another sample";
  EXPECT_EQ(std::set<double>(a.values().begin(), a.values().end()).size(), 10u);

  // Uniformity: each of 100 items is kept with probability 10/100; over 2000 streams its count is
  // Binomial(2000, 0.1): mean 200, sd 13.4. Every count within 5 sd.
  std::vector<int> kept(100, 0);
  for (int stream = 0; stream < 2000; ++stream) {
    BoundedSample s(10, 42, std::to_string(stream));
    for (int i = 0; i < 100; ++i) s.add(i);
    for (double v : s.values()) ++kept[static_cast<std::size_t>(v)];
  }
  for (int i = 0; i < 100; ++i) EXPECT_NEAR(kept[static_cast<std::size_t>(i)], 200, 67) << i;
}

}  // namespace
}  // namespace tessera::tasks
