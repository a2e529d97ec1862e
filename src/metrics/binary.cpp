#include "tessera/metrics/binary.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <utility>

#include "tessera/core/error.h"

namespace tessera::metrics {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double ratio(double numerator, double denominator) {
  return denominator == 0.0 ? 0.0 : numerator / denominator;
}

nlohmann::json finite_or_null(const std::vector<double>& values) {
  nlohmann::json out = nlohmann::json::array();
  for (const double v : values) out.push_back(std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr));
  return out;
}

// Evenly spaced indices 0 .. n-1, both ends included, at most max_points of them.
std::vector<std::size_t> thin_indices(std::size_t n, std::size_t max_points) {
  if (max_points < 2) throw UserError("thin: max_points must be >= 2, got " + std::to_string(max_points));
  std::vector<std::size_t> out;
  if (n <= max_points) {
    out.resize(n);
    std::iota(out.begin(), out.end(), std::size_t{0});
    return out;
  }
  out.reserve(max_points);
  for (std::size_t i = 0; i < max_points; ++i) {
    // Rounded position; strictly increasing because n - 1 > max_points - 1.
    out.push_back(static_cast<std::size_t>(std::llround(static_cast<double>(i) * static_cast<double>(n - 1) /
                                                        static_cast<double>(max_points - 1))));
  }
  return out;
}

std::vector<double> pick(const std::vector<double>& values, const std::vector<std::size_t>& indices) {
  std::vector<double> out;
  out.reserve(indices.size());
  for (const auto i : indices) out.push_back(values[i]);
  return out;
}

}  // namespace

double BinaryCounts::sensitivity() const { return ratio(static_cast<double>(tp), static_cast<double>(tp + fn)); }
double BinaryCounts::specificity() const { return ratio(static_cast<double>(tn), static_cast<double>(tn + fp)); }
double BinaryCounts::precision() const { return ratio(static_cast<double>(tp), static_cast<double>(tp + fp)); }

BinaryScores::BinaryScores(std::vector<int> labels, std::vector<double> scores)
    : labels_(std::move(labels)), scores_(std::move(scores)) {
  if (labels_.size() != scores_.size()) {
    throw UserError("BinaryScores: " + std::to_string(labels_.size()) + " labels but " +
                    std::to_string(scores_.size()) + " scores");
  }
  for (std::size_t i = 0; i < labels_.size(); ++i) {
    if (labels_[i] != 0 && labels_[i] != 1) {
      throw UserError("BinaryScores: label " + std::to_string(labels_[i]) + " at " + std::to_string(i) +
                      " is neither 0 nor 1");
    }
    if (!std::isfinite(scores_[i])) {
      throw UserError("BinaryScores: score at " + std::to_string(i) + " is not finite");
    }
    positives_ += labels_[i];
  }
  // Descending scores; the order within a tie does not matter since a tie is one point.
  std::vector<std::size_t> order(labels_.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores_[a] > scores_[b]; });
  std::int64_t tp = 0, fp = 0;
  for (std::size_t k = 0; k < order.size(); ++k) {
    const std::size_t i = order[k];
    (labels_[i] == 1 ? tp : fp) += 1;
    const bool last_of_tie = k + 1 == order.size() || scores_[order[k + 1]] != scores_[i];
    if (last_of_tie) {
      distinct_.push_back(scores_[i]);
      tps_.push_back(tp);
      fps_.push_back(fp);
    }
  }
}

RocCurve BinaryScores::roc_curve() const {
  const auto p = static_cast<double>(positives());
  const auto n = static_cast<double>(negatives());
  RocCurve curve;
  curve.fpr.push_back(n > 0 ? 0.0 : kNaN);
  curve.tpr.push_back(p > 0 ? 0.0 : kNaN);
  curve.thresholds.push_back(std::numeric_limits<double>::infinity());
  for (std::size_t i = 0; i < distinct_.size(); ++i) {
    curve.fpr.push_back(n > 0 ? static_cast<double>(fps_[i]) / n : kNaN);
    curve.tpr.push_back(p > 0 ? static_cast<double>(tps_[i]) / p : kNaN);
    curve.thresholds.push_back(distinct_[i]);
  }
  return curve;
}

double BinaryScores::roc_auc() const {
  if (positives() == 0 || negatives() == 0) return kNaN;
  // Trapezoids between consecutive points, in counts: sum of dfp * (tp_prev + tp) / (2 P N).
  // Each term is an integer, so the sum is exact in a double below 2^53.
  double twice_area = 0.0;
  std::int64_t tp_prev = 0, fp_prev = 0;
  for (std::size_t i = 0; i < distinct_.size(); ++i) {
    twice_area += static_cast<double>(fps_[i] - fp_prev) * static_cast<double>(tps_[i] + tp_prev);
    tp_prev = tps_[i];
    fp_prev = fps_[i];
  }
  return twice_area / (2.0 * static_cast<double>(positives()) * static_cast<double>(negatives()));
}

PrecisionRecallCurve BinaryScores::precision_recall_curve() const {
  PrecisionRecallCurve curve;
  const auto p = static_cast<double>(positives());
  // Ascending thresholds: walk the distinct scores from the lowest.
  for (std::size_t k = distinct_.size(); k-- > 0;) {
    const auto tp = static_cast<double>(tps_[k]);
    curve.precision.push_back(ratio(tp, tp + static_cast<double>(fps_[k])));
    curve.recall.push_back(p > 0 ? tp / p : 1.0);  // sklearn: recall 1 everywhere without positives
    curve.thresholds.push_back(distinct_[k]);
  }
  curve.precision.push_back(1.0);
  curve.recall.push_back(0.0);
  return curve;
}

double BinaryScores::average_precision() const {
  if (positives() == 0) return kNaN;
  const auto p = static_cast<double>(positives());
  double sum = 0.0;
  std::int64_t tp_prev = 0;
  for (std::size_t i = 0; i < distinct_.size(); ++i) {
    const auto tp = static_cast<double>(tps_[i]);
    sum += (static_cast<double>(tps_[i] - tp_prev) / p) * (tp / (tp + static_cast<double>(fps_[i])));
    tp_prev = tps_[i];
  }
  return sum;
}

std::string BinaryScores::undefined_reason() const {
  if (size() == 0) return "no samples: ROC-AUC and average precision are undefined";
  if (positives() == 0) return "no positive samples: ROC-AUC and average precision are undefined";
  if (negatives() == 0) return "no negative samples: ROC-AUC is undefined";
  return "";
}

BinaryCounts BinaryScores::at_threshold(double threshold) const {
  BinaryCounts counts;
  counts.threshold = threshold;
  for (std::size_t i = 0; i < labels_.size(); ++i) {
    const bool predicted = scores_[i] >= threshold;
    if (labels_[i] == 1) {
      (predicted ? counts.tp : counts.fn) += 1;
    } else {
      (predicted ? counts.fp : counts.tn) += 1;
    }
  }
  return counts;
}

std::optional<double> BinaryScores::threshold_for_sensitivity(double target) const {
  if (!(target > 0.0 && target <= 1.0)) {
    throw UserError("threshold_for_sensitivity: target must be in (0, 1], got " + std::to_string(target));
  }
  if (positives() == 0) return std::nullopt;
  const auto p = static_cast<double>(positives());
  // Sensitivity grows as the threshold falls; the first distinct score reaching the target wins.
  for (std::size_t i = 0; i < distinct_.size(); ++i) {
    if (static_cast<double>(tps_[i]) / p >= target) return distinct_[i];
  }
  return distinct_.back();  // unreachable: the lowest score gives sensitivity 1
}

RocCurve thin(const RocCurve& curve, std::size_t max_points) {
  const auto keep = thin_indices(curve.fpr.size(), max_points);
  return {pick(curve.fpr, keep), pick(curve.tpr, keep), pick(curve.thresholds, keep)};
}

PrecisionRecallCurve thin(const PrecisionRecallCurve& curve, std::size_t max_points) {
  // The final (recall 0, precision 1) point has no threshold: thin the thresholded points with
  // one slot fewer and put it back.
  if (max_points < 3) throw UserError("thin: a precision-recall curve needs max_points >= 3");
  if (curve.thresholds.empty()) return curve;
  PrecisionRecallCurve out;
  const auto keep = thin_indices(curve.thresholds.size(), max_points - 1);
  out.precision = pick(curve.precision, keep);
  out.recall = pick(curve.recall, keep);
  out.thresholds = pick(curve.thresholds, keep);
  out.precision.push_back(curve.precision.back());
  out.recall.push_back(curve.recall.back());
  return out;
}

nlohmann::json to_json(const RocCurve& curve) {
  return {{"fpr", finite_or_null(curve.fpr)},
          {"tpr", finite_or_null(curve.tpr)},
          {"thresholds", finite_or_null(curve.thresholds)}};
}

nlohmann::json to_json(const PrecisionRecallCurve& curve) {
  return {{"precision", finite_or_null(curve.precision)},
          {"recall", finite_or_null(curve.recall)},
          {"thresholds", finite_or_null(curve.thresholds)}};
}

nlohmann::json to_json(const BinaryCounts& counts) {
  return {{"threshold", counts.threshold},       {"sensitivity", counts.sensitivity()},
          {"specificity", counts.specificity()}, {"precision", counts.precision()},
          {"tp", counts.tp},                     {"fp", counts.fp},
          {"tn", counts.tn},                     {"fn", counts.fn}};
}

}  // namespace tessera::metrics
