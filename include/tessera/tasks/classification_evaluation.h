#pragma once
// One classification pass: the confusion-matrix metrics plus one record per sample, from which
// the report derives calibration, the two-class curves and operating points, and the most
// confident mistakes. `tessera compare` joins two runs' records by dataset index.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tessera/core/config/eval.h"
#include "tessera/metrics/calibration.h"
#include "tessera/metrics/classification.h"
#include "tessera/tasks/task.h"

namespace tessera::tasks {

// What one sample's prediction was. Probabilities are the softmax of the logits, in double.
struct SampleRecord {
  std::int64_t index = -1;            // dataset index; -1 when the batch carried none
  int target = 0;
  int predicted = 0;                  // the first maximum, as ClassificationMetrics (so the counts agree)
  double confidence = 0.0;            // p(predicted), the maximum probability
  double true_probability = 0.0;     // p(target)
  double positive_probability = 0.0;  // p(positive class) of a two-class run; NaN otherwise
  bool correct() const { return predicted == target; }
};

// The positive class of a two-class run: eval.positive_class by name, "" = index 1. -1 when the
// run does not have exactly two classes. Throws UserError when the name is not one of `classes`.
int resolve_positive_class(const std::vector<std::string>& classes, const config::EvalConfig& config);

class ClassificationEvaluation final : public Evaluation {
 public:
  // Throws UserError for an unknown eval.positive_class (see resolve_positive_class).
  ClassificationEvaluation(std::vector<std::string> classes, const config::EvalConfig& config);

  using Evaluation::update;
  // outputs: logits [B, C]; targets [B]; indices [B] or undefined. Invalid input (see
  // ClassificationMetrics::update, or indices of another length) is a UserError that changes nothing.
  void update(const torch::Tensor& outputs, const torch::Tensor& targets, const torch::Tensor& indices) override;
  std::int64_t count() const override { return metrics_.count(); }
  // "loss", "accuracy", "top_k_accuracy", "macro_f1", "ece"; NaN for other names.
  double value(const std::string& name) const override;
  // metrics::ClassificationMetrics::to_json() plus "task", "calibration", "binary" (two classes
  // only) and "mistakes" (only when every batch carried indices): the report.json contract.
  nlohmann::json report() const override;
  std::map<std::string, std::string> artifacts() const override;
  // sums: the metrics' totals, then "batches carried indices" and 1 (summed: ranks indexed, ranks);
  // rows: one record per sample [index, target, predicted, confidence, p(target), p(positive)].
  // adopt() orders the records by dataset index, the order one process reads the split in.
  EvaluationShare share() const override;
  void adopt(const EvaluationShare& whole) override;

  const metrics::ClassificationMetrics& metrics() const { return metrics_; }
  const std::vector<SampleRecord>& records() const { return records_; }
  int positive_index() const { return positive_; }

 private:
  metrics::Calibration calibration() const;  // of the confidence against correctness
  nlohmann::json binary_report() const;
  nlohmann::json mistakes_report() const;

  metrics::ClassificationMetrics metrics_;
  config::EvalConfig config_;
  int positive_ = -1;
  bool indexed_ = true;  // every batch so far carried dataset indices
  std::vector<SampleRecord> records_;
};

}  // namespace tessera::tasks
