#pragma once
// Calibration: does a predicted probability of 0.8 come true 80% of the time? Equal-width bins
// over [0, 1], the reliability table (per bin: count, mean predicted value, observed frequency)
// and the expected / maximum calibration errors derived from it. Pure maths on host vectors.
//
// For a classifier's ECE the value is the confidence (the maximum softmax probability) and the
// outcome is "the prediction was right" (Guo et al., 2017). For a two-class reliability diagram
// the value is the positive-class probability and the outcome "the sample is positive", which
// is what sklearn.calibration.calibration_curve(strategy="uniform") tabulates.
//
// Conventions:
//  - Bin b covers [b/bins, (b+1)/bins); a value v falls in bin min(floor(v * bins), bins - 1), so
//    1.0 joins the last bin. (calibration_curve puts a value lying exactly on an inner edge in
//    the lower bin instead; the two agree everywhere else.)
//  - ECE = sum over bins of count/N * |observed - mean value|; MCE = the largest such gap over
//    the bins holding samples. Both are 0 for no samples.
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

namespace tessera::metrics {

struct ReliabilityBin {
  double lower = 0.0, upper = 0.0;  // [lower, upper), the last bin closed
  std::int64_t count = 0;
  double mean_value = 0.0;          // mean predicted probability (NaN when count is 0)
  double observed = 0.0;            // fraction of outcomes that are 1 (NaN when count is 0)
};

struct Calibration {
  int bins = 15;
  std::int64_t count = 0;
  double ece = 0.0;  // expected calibration error
  double mce = 0.0;  // maximum calibration error
  std::vector<ReliabilityBin> table;
};

// The bin of value v: min(floor(v * bins), bins - 1).
int calibration_bin(double value, int bins);

// values[i] in [0, 1], outcomes[i] in {0, 1}, same length; bins >= 1. Throws tessera::UserError
// otherwise.
Calibration calibration(const std::vector<double>& values, const std::vector<int>& outcomes, int bins = 15);

// {"bins","ece","mce","table":[{"lower","upper","count","confidence","accuracy"}...]}: the names
// of the classifier reading (confidence = mean value, accuracy = observed), null for empty bins.
nlohmann::json to_json(const Calibration& calibration);

}  // namespace tessera::metrics
