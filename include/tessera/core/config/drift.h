#pragma once
#include <string>

#include "tessera/core/config/reader.h"

namespace tessera::config {

enum class KsCorrection { bonferroni, none };
template <>
struct ChoiceTable<KsCorrection> {
  static constexpr ChoiceName<KsCorrection> names[] = {{KsCorrection::bonferroni, "bonferroni"},
                                                       {KsCorrection::none, "none"}};
};

// Data drift monitoring (image classification runs). After training, `tessera train` stores
// reference statistics in the run directory (drift_reference.json): per-image features of up to
// `max_reference_images` training images, decoded as the model sees them before resizing and
// without augmentation, and the model's predictions on as many validation images (training
// images when there is no validation split). `tessera drift RUN --data NEW` computes the same on
// up to `max_images` new images and compares feature by feature:
//   PSI  population stability index over bins from the reference (quantiles of its sample for
//        numeric features, the fixed intensity bins for pixel histograms, the classes for the
//        predicted class); an empty bin counts as `psi_epsilon` of its sample
//   KS   two-sample Kolmogorov-Smirnov statistic and asymptotic p-value (numeric features)
// A feature drifts when PSI >= psi_threshold or its KS p-value < ks_pvalue (divided by the
// number of KS tests with ks_correction: bonferroni, since several features are tested at once).
//   reference             false: train writes no drift_reference.json (the data fingerprint
//                         is written either way)
//   sample_size           values kept per numeric feature (seeded reservoir) for the KS tests
//   histogram_bins        equal-width bins on the decoded range: 0..255 for 8-bit images, the
//                         windowed [0, 1] for DICOM
//   psi_bins              quantile bins of the reference sample for numeric features
struct DriftConfig {
  bool reference = true;
  int max_reference_images = 2000;
  int max_images = 2000;
  int sample_size = 5000;
  int histogram_bins = 32;
  int psi_bins = 10;
  double psi_threshold = 0.2;
  double psi_epsilon = 1e-4;
  double ks_pvalue = 0.01;
  KsCorrection ks_correction = KsCorrection::bonferroni;

  template <class V>
  void visit(V& v) {
    v.field("reference", reference);
    v.field("max_reference_images", max_reference_images);
    v.field("max_images", max_images);
    v.field("sample_size", sample_size);
    v.field("histogram_bins", histogram_bins);
    v.field("psi_bins", psi_bins);
    v.field("psi_threshold", psi_threshold);
    v.field("psi_epsilon", psi_epsilon);
    v.field("ks_pvalue", ks_pvalue);
    v.field("ks_correction", ks_correction);
  }
  void validate(const SectionChecker& c) const {
    c.positive("max_reference_images", max_reference_images);
    c.positive("max_images", max_images);
    c.positive("sample_size", sample_size);
    if (histogram_bins < 2 || histogram_bins > 256) {
      c.fail("histogram_bins", "must be between 2 and 256, got " + std::to_string(histogram_bins));
    }
    if (psi_bins < 2) c.fail("psi_bins", "must be at least 2, got " + std::to_string(psi_bins));
    c.positive("psi_threshold", psi_threshold);
    if (!(psi_epsilon > 0.0 && psi_epsilon < 0.01)) c.fail("psi_epsilon", "must be in (0, 0.01)");
    if (!(ks_pvalue > 0.0 && ks_pvalue < 1.0)) c.fail("ks_pvalue", "must be in (0, 1)");
  }
};

}  // namespace tessera::config
