#pragma once
// Two-class metrics from scores: the ROC and precision-recall curves with their areas, the
// confusion counts at a decision threshold, and the threshold that reaches a target sensitivity.
// Pure maths on host vectors: no training loop, no I/O.
//
// Conventions (chosen to match sklearn.metrics 1.9 where it has an answer):
//  - Labels are 1 (positive) or 0. Scores are finite numbers, higher meaning more positive; in
//    Tessera they are the softmax probability of the positive class.
//  - A sample is predicted positive when score >= threshold (sklearn's roc_curve thresholds).
//  - The curves step through the distinct scores in descending order; tied scores form one point.
//    roc_curve() is sklearn's roc_curve(drop_intermediate=False): it starts at (0, 0) with the
//    threshold +inf. precision_recall_curve() is sklearn's, thresholds ascending, with the final
//    point (recall 0, precision 1) that has no threshold.
//  - roc_auc() is the trapezoidal area under the ROC curve (sklearn roc_auc_score), computed from
//    the integer counts, so it is exact up to one rounding for fewer than ~10^8 samples.
//    average_precision() is sklearn's average_precision_score: sum over thresholds of
//    (R_n - R_{n-1}) * P_n, no interpolation. That is what reports call "PR-AUC".
//  - Undefined values are NaN, with undefined_reason() saying why (JSON writes NaN as null):
//    ROC-AUC needs both classes; average precision needs a positive sample. With no negatives the
//    FPR column of the ROC curve is NaN, with no positives the TPR column is (as sklearn);
//    average precision with no negatives is 1 (every prediction is right). sklearn returns NaN
//    for the one-class ROC-AUC too, but 0 for the average precision without positives.
//  - Ratios at a threshold (sensitivity, specificity, precision) are 0 when their denominator is
//    0, like sklearn's zero_division=0 and ClassificationMetrics.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tessera::metrics {

// Confusion counts of the decision "score >= threshold" against the labels.
struct BinaryCounts {
  double threshold = 0.0;
  std::int64_t tp = 0, fp = 0, tn = 0, fn = 0;
  double sensitivity() const;  // recall, true positive rate: tp / (tp + fn)
  double specificity() const;  // true negative rate: tn / (tn + fp)
  double precision() const;    // positive predictive value: tp / (tp + fp)
};

struct RocCurve {
  std::vector<double> fpr, tpr, thresholds;  // thresholds descending; thresholds[0] = +inf
};

struct PrecisionRecallCurve {
  std::vector<double> precision, recall;  // one point more than thresholds: (recall 0, precision 1)
  std::vector<double> thresholds;         // ascending
};

class BinaryScores {
 public:
  // labels[i] in {0, 1}, scores[i] finite, both the same length (possibly 0). Throws
  // tessera::UserError otherwise.
  BinaryScores(std::vector<int> labels, std::vector<double> scores);

  std::int64_t size() const { return static_cast<std::int64_t>(labels_.size()); }
  std::int64_t positives() const { return positives_; }
  std::int64_t negatives() const { return size() - positives_; }

  RocCurve roc_curve() const;
  double roc_auc() const;            // NaN unless both classes are present
  PrecisionRecallCurve precision_recall_curve() const;
  double average_precision() const;  // NaN without positives
  // Why roc_auc() or average_precision() is NaN ("" when both are defined).
  std::string undefined_reason() const;

  BinaryCounts at_threshold(double threshold) const;
  // The highest threshold whose sensitivity is >= target, i.e. the largest score s such that at
  // least target * positives() positives score >= s. It is always the score of a positive sample,
  // so a sample scoring exactly that much is called positive. target must be in (0, 1] (else
  // UserError); nullopt without positive samples.
  std::optional<double> threshold_for_sensitivity(double target) const;

 private:
  std::vector<int> labels_;
  std::vector<double> scores_;
  std::int64_t positives_ = 0;
  // sklearn's confusion_matrix_at_thresholds: distinct scores descending, and how many positives
  // (tps) and negatives (fps) score at least that much.
  std::vector<double> distinct_;
  std::vector<std::int64_t> tps_, fps_;
};

// At most max_points of a curve, evenly spaced by index, keeping both end points; the curve itself
// when it is short enough. For reports, where 10^5 points add nothing. max_points must be >= 2
// (ROC) or >= 3 (precision-recall, whose last point has no threshold), else UserError.
RocCurve thin(const RocCurve& curve, std::size_t max_points);
PrecisionRecallCurve thin(const PrecisionRecallCurve& curve, std::size_t max_points);

// {"fpr":[...],"tpr":[...],"thresholds":[...]}: non-finite values (the +inf threshold, NaN rates
// of a one-class set) are written as null.
nlohmann::json to_json(const RocCurve& curve);
// {"precision":[...],"recall":[...],"thresholds":[...]}
nlohmann::json to_json(const PrecisionRecallCurve& curve);
// {"threshold","sensitivity","specificity","precision","tp","fp","tn","fn"}
nlohmann::json to_json(const BinaryCounts& counts);

}  // namespace tessera::metrics
