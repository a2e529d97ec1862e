// The feature comparison of `tessera drift`, on summaries of hand-made images.
#include <gtest/gtest.h>

#include <cmath>

#include "tessera/core/error.h"
#include "tessera/monitor/drift.h"
#include "tessera/tasks/image_features.h"

namespace tessera::monitor {
namespace {

using tasks::ImageObserver;

FeatureSummary summary_with_means(const std::vector<double>& means, std::uint8_t pixel) {
  ImageObserver observer(1, false, 8, 5000, 0, {"a", "b"});
  const float p[] = {0.2f, 0.8f};
  for (double m : means) {
    // 2 x 2 image whose mean is m: three pixels `pixel`, one chosen to land on m.
    const double last = 4 * m - 3 * pixel;
    const std::uint8_t image[] = {pixel, pixel, pixel, static_cast<std::uint8_t>(std::lround(last))};
    observer.add_image(image, 2, 2, 1);
    observer.add_prediction(p, 2);
  }
  return observer.summary();
}

TEST(Compare, IdenticalDataDoesNotDrift) {
  std::vector<double> means;
  for (int i = 0; i < 200; ++i) means.push_back(100 + (i % 40) / 4.0);
  const FeatureSummary reference = summary_with_means(means, 100);
  const DriftComparison c = compare(reference, reference, config::DriftConfig{});
  EXPECT_FALSE(c.drift);
  std::vector<std::string> names;
  for (const auto& f : c.features) {
    names.push_back(f.name);
    EXPECT_NEAR(f.psi, 0.0, 1e-15) << f.name;
    if (f.ks) EXPECT_EQ(f.ks->p_value, 1.0) << f.name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"pixel_histogram.grey", "mean_intensity.grey", "width", "height", "aspect",
                                             "confidence", "predicted_class"}));
  EXPECT_EQ(c.ks_tests, 5);
  EXPECT_DOUBLE_EQ(c.ks_alpha, 0.01 / 5);  // Bonferroni
}

TEST(Compare, ShiftedIntensityDriftsByPsiAndKs) {
  std::vector<double> reference_means, new_means;
  for (int i = 0; i < 200; ++i) {
    reference_means.push_back(100 + (i % 40) / 4.0);
    new_means.push_back(140 + (i % 40) / 4.0);
  }
  const DriftComparison c =
      compare(summary_with_means(reference_means, 100), summary_with_means(new_means, 140), config::DriftConfig{});
  EXPECT_TRUE(c.drift);
  for (const auto& f : c.features) {
    if (f.name == "mean_intensity.grey") {
      EXPECT_TRUE(f.psi_drift);
      EXPECT_TRUE(f.ks_drift);
      EXPECT_DOUBLE_EQ(f.ks->statistic, 1.0);
      EXPECT_EQ(f.ks->p_value, 0.0);
    } else if (f.name == "pixel_histogram.grey") {
      EXPECT_TRUE(f.psi_drift) << f.psi;  // 100 -> bin 3, 140 -> bin 4 of 8
    } else {
      EXPECT_FALSE(f.drift()) << f.name;  // same size, same predictions
    }
  }
  config::DriftConfig no_correction;
  no_correction.ks_correction = config::KsCorrection::none;
  EXPECT_DOUBLE_EQ(
      compare(summary_with_means(reference_means, 100), summary_with_means(new_means, 140), no_correction).ks_alpha,
      0.01);
}

TEST(Compare, RefusesToCompareDicomWithImages) {
  ImageObserver images(1, false, 8, 10, 0, {"a", "b"}), dicom(1, true, 8, 10, 0, {"a", "b"});
  EXPECT_THROW(compare(images.summary(), dicom.summary(), config::DriftConfig{}), UserError);
  ImageObserver other_bins(1, false, 16, 10, 0, {"a", "b"});
  EXPECT_THROW(compare(images.summary(), other_bins.summary(), config::DriftConfig{}), UserError);
}

}  // namespace
}  // namespace tessera::monitor
