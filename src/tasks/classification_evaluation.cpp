#include "tessera/tasks/classification_evaluation.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "tessera/core/error.h"
#include "tessera/core/format.h"
#include "tessera/metrics/binary.h"
#include "tessera/metrics/calibration.h"

namespace tessera::tasks {
namespace {

constexpr std::size_t kCurvePoints = 1000;  // report.json's ROC/PR curves are thinned to this many

nlohmann::json number_or_null(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

}  // namespace

int resolve_positive_class(const std::vector<std::string>& classes, const config::EvalConfig& config) {
  if (!config.positive_class.empty()) {
    const auto it = std::find(classes.begin(), classes.end(), config.positive_class);
    if (it == classes.end()) {
      throw UserError("eval.positive_class '" + config.positive_class + "' is not one of the run's classes (" +
                      join(classes) + ")");
    }
    if (classes.size() == 2) return static_cast<int>(it - classes.begin());
  }
  return classes.size() == 2 ? 1 : -1;
}

ClassificationEvaluation::ClassificationEvaluation(std::vector<std::string> classes, const config::EvalConfig& config)
    : metrics_(std::move(classes), config.top_k), config_(config) {
  positive_ = resolve_positive_class(metrics_.class_names(), config_);
}

void ClassificationEvaluation::update(const torch::Tensor& outputs, const torch::Tensor& targets,
                                      const torch::Tensor& indices) {
  if (indices.defined() && (indices.dim() != 1 || indices.size(0) != outputs.size(0))) {
    throw UserError("ClassificationEvaluation::update: indices must have one entry per row of the outputs");
  }
  metrics_.update(outputs, targets);  // validates everything else, and throws before any change
  const std::int64_t b = outputs.size(0);
  if (b == 0) return;
  torch::NoGradGuard no_grad;
  // Double precision on the CPU, as the metrics: the predicted class is the same first maximum.
  const auto logits = outputs.detach().to(torch::kCPU, torch::kDouble).contiguous();
  const auto probabilities = torch::softmax(logits, 1).contiguous();
  const auto predicted = logits.argmax(1).contiguous();
  const auto target = targets.detach().to(torch::kCPU, torch::kLong).contiguous();
  torch::Tensor index;
  if (indices.defined()) index = indices.detach().to(torch::kCPU, torch::kLong).contiguous();
  indexed_ = indexed_ && indices.defined();

  const auto c = probabilities.size(1);
  const auto* p = probabilities.data_ptr<double>();
  const auto* pred = predicted.data_ptr<std::int64_t>();
  const auto* t = target.data_ptr<std::int64_t>();
  for (std::int64_t i = 0; i < b; ++i) {
    SampleRecord r;
    r.index = index.defined() ? index.data_ptr<std::int64_t>()[i] : -1;
    r.target = static_cast<int>(t[i]);
    r.predicted = static_cast<int>(pred[i]);
    r.confidence = p[i * c + r.predicted];
    r.true_probability = p[i * c + r.target];
    r.positive_probability = positive_ >= 0 ? p[i * c + positive_] : std::numeric_limits<double>::quiet_NaN();
    records_.push_back(r);
  }
}

namespace {
constexpr std::int64_t kRecordColumns = 6;  // index, target, predicted, confidence, p(target), p(positive)
}  // namespace

EvaluationShare ClassificationEvaluation::share() const {
  EvaluationShare out;
  out.sums = metrics_.totals();
  out.sums.push_back(indexed_ ? 1.0 : 0.0);
  out.sums.push_back(1.0);
  out.rows = torch::empty({static_cast<std::int64_t>(records_.size()), kRecordColumns}, torch::kFloat64);
  double* row = out.rows.data_ptr<double>();
  for (const auto& r : records_) {
    *row++ = static_cast<double>(r.index);
    *row++ = r.target;
    *row++ = r.predicted;
    *row++ = r.confidence;
    *row++ = r.true_probability;
    *row++ = r.positive_probability;
  }
  return out;
}

void ClassificationEvaluation::adopt(const EvaluationShare& whole) {
  const auto classes = static_cast<double>(metrics_.num_classes());
  if (whole.sums.size() < 2 || !whole.rows.defined() || whole.rows.dim() != 2 ||
      whole.rows.size(1) != kRecordColumns || whole.rows.scalar_type() != torch::kFloat64) {
    throw UserError("ClassificationEvaluation::adopt: a share must have the metrics' totals and float64 rows of " +
                    std::to_string(kRecordColumns) + " columns");
  }
  const std::vector<double> totals(whole.sums.begin(), whole.sums.end() - 2);
  const auto rows = whole.rows.contiguous();
  const double* row = rows.data_ptr<double>();
  std::vector<SampleRecord> records(static_cast<std::size_t>(rows.size(0)));
  for (auto& r : records) {
    r.index = static_cast<std::int64_t>(row[0]);
    r.target = static_cast<int>(row[1]);
    r.predicted = static_cast<int>(row[2]);
    r.confidence = row[3];
    r.true_probability = row[4];
    r.positive_probability = row[5];
    if (!(row[1] >= 0 && row[1] < classes && row[2] >= 0 && row[2] < classes)) {
      throw UserError("ClassificationEvaluation::adopt: a record's class is outside [0, " +
                      std::to_string(metrics_.num_classes()) + ")");
    }
    row += kRecordColumns;
  }
  metrics::ClassificationMetrics metrics = metrics_;
  metrics.set_totals(totals);  // validates the counts
  if (metrics.count() != static_cast<std::int64_t>(records.size())) {
    throw UserError("ClassificationEvaluation::adopt: " + std::to_string(records.size()) + " records for " +
                    std::to_string(metrics.count()) + " counted samples");
  }
  const bool indexed = whole.sums[whole.sums.size() - 2] == whole.sums.back();
  if (indexed) {
    std::stable_sort(records.begin(), records.end(),
                     [](const SampleRecord& a, const SampleRecord& b) { return a.index < b.index; });
  }
  metrics_ = std::move(metrics);
  records_ = std::move(records);
  indexed_ = indexed;
}

double ClassificationEvaluation::value(const std::string& name) const {
  if (name == "loss") return metrics_.mean_loss();
  if (name == "accuracy") return metrics_.accuracy();
  if (name == "top_k_accuracy") return metrics_.top_k_accuracy();
  if (name == "macro_f1") return metrics_.macro_f1();
  if (name == "ece") return calibration().ece;
  return std::numeric_limits<double>::quiet_NaN();
}

metrics::Calibration ClassificationEvaluation::calibration() const {
  std::vector<double> confidence;
  std::vector<int> correct;
  confidence.reserve(records_.size());
  correct.reserve(records_.size());
  for (const auto& r : records_) {
    confidence.push_back(std::clamp(r.confidence, 0.0, 1.0));  // softmax rounding can pass 1 by an ulp
    correct.push_back(r.correct() ? 1 : 0);
  }
  return metrics::calibration(confidence, correct, config_.calibration_bins);
}

nlohmann::json ClassificationEvaluation::report() const {
  nlohmann::json out = metrics_.to_json();
  out["task"] = "classification";
  out["calibration"] = metrics::to_json(calibration());
  if (positive_ >= 0) out["binary"] = binary_report();
  if (indexed_) out["mistakes"] = mistakes_report();
  return out;
}

nlohmann::json ClassificationEvaluation::binary_report() const {
  std::vector<int> labels;
  std::vector<double> scores;
  labels.reserve(records_.size());
  scores.reserve(records_.size());
  for (const auto& r : records_) {
    labels.push_back(r.target == positive_ ? 1 : 0);
    scores.push_back(r.positive_probability);
  }
  const metrics::BinaryScores scored(std::move(labels), std::move(scores));
  nlohmann::json out = {{"positive_class", metrics_.class_names()[static_cast<std::size_t>(positive_)]},
                        {"positive_index", positive_},
                        {"roc_auc", number_or_null(scored.roc_auc())},
                        {"pr_auc", number_or_null(scored.average_precision())},
                        {"roc_curve", metrics::to_json(metrics::thin(scored.roc_curve(), kCurvePoints))},
                        {"pr_curve", metrics::to_json(metrics::thin(scored.precision_recall_curve(), kCurvePoints))},
                        {"at_threshold", metrics::to_json(scored.at_threshold(config_.threshold))}};
  nlohmann::json target = {{"target", config_.target_sensitivity}};
  if (const auto threshold = scored.threshold_for_sensitivity(config_.target_sensitivity)) {
    target.update(metrics::to_json(scored.at_threshold(*threshold)));
  } else {
    target["threshold"] = nullptr;
    target["reason"] = "no positive samples: no threshold reaches a sensitivity";
  }
  out["at_target_sensitivity"] = std::move(target);
  if (const auto reason = scored.undefined_reason(); !reason.empty()) out["undefined_reason"] = reason;
  return out;
}

nlohmann::json ClassificationEvaluation::mistakes_report() const {
  std::vector<const SampleRecord*> wrong;
  for (const auto& r : records_) {
    if (!r.correct()) wrong.push_back(&r);
  }
  // Most confident first; equal confidence in dataset order, so the list is reproducible.
  std::sort(wrong.begin(), wrong.end(), [](const SampleRecord* a, const SampleRecord* b) {
    return a->confidence != b->confidence ? a->confidence > b->confidence : a->index < b->index;
  });
  const auto& names = metrics_.class_names();
  nlohmann::json out = nlohmann::json::array();
  const auto limit = std::min(wrong.size(), static_cast<std::size_t>(std::max(config_.mistakes, 0)));
  for (std::size_t i = 0; i < limit; ++i) {
    const SampleRecord& r = *wrong[i];
    out.push_back({{"index", r.index},
                   {"true", names[static_cast<std::size_t>(r.target)]},
                   {"predicted", names[static_cast<std::size_t>(r.predicted)]},
                   {"confidence", r.confidence},
                   {"true_probability", r.true_probability}});
  }
  return out;
}

std::map<std::string, std::string> ClassificationEvaluation::artifacts() const {
  return {{"confusion.csv", metrics_.confusion_csv()}};
}

}  // namespace tessera::tasks
