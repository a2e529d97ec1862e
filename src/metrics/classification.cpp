#include "tessera/metrics/classification.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>
#include <utility>

#include "tessera/core/error.h"

namespace tessera::metrics {
namespace {

double ratio(double numerator, double denominator) {
  return denominator == 0.0 ? 0.0 : numerator / denominator;
}

// RFC 4180: quote a field holding a separator, quote or line break; double embedded quotes.
std::string csv_field(const std::string& field) {
  if (field.find_first_of(",\"\r\n") == std::string::npos) return field;
  std::string quoted = "\"";
  for (char c : field) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

std::string shape_of(const torch::Tensor& t) {
  std::ostringstream out;
  out << t.sizes();
  return out.str();
}

}  // namespace

ClassificationMetrics::ClassificationMetrics(std::vector<std::string> class_names, int top_k)
    : class_names_(std::move(class_names)), top_k_(top_k) {
  if (class_names_.empty()) {
    throw UserError("ClassificationMetrics: class_names is empty");
  }
  if (top_k_ < 1) {
    throw UserError("ClassificationMetrics: top_k must be >= 1, got " + std::to_string(top_k_));
  }
  std::set<std::string> seen;
  for (const auto& name : class_names_) {
    if (!seen.insert(name).second) {
      throw UserError("ClassificationMetrics: duplicate class name '" + name + "'");
    }
  }
  const auto c = class_names_.size();
  confusion_.assign(c, std::vector<std::int64_t>(c, 0));
}

int ClassificationMetrics::effective_top_k() const { return std::min(top_k_, num_classes()); }

void ClassificationMetrics::update(const torch::Tensor& logits, const torch::Tensor& targets) {
  const std::int64_t c = num_classes();
  if (!logits.defined() || logits.dim() != 2 || logits.size(1) != c) {
    throw UserError("ClassificationMetrics::update: logits must be [B, " + std::to_string(c) +
                    "], got " + (logits.defined() ? shape_of(logits) : std::string("undefined")));
  }
  if (!torch::isFloatingType(logits.scalar_type())) {
    throw UserError("ClassificationMetrics::update: logits must be floating point");
  }
  const std::int64_t b = logits.size(0);
  if (!targets.defined() || targets.dim() != 1 || targets.size(0) != b) {
    throw UserError("ClassificationMetrics::update: targets must be [" + std::to_string(b) +
                    "], got " + (targets.defined() ? shape_of(targets) : std::string("undefined")));
  }
  if (!torch::isIntegralType(targets.scalar_type(), /*includeBool=*/false)) {
    throw UserError("ClassificationMetrics::update: targets must have an integer dtype");
  }
  if (b == 0) return;

  torch::NoGradGuard no_grad;
  // Double precision on the CPU: exact for every float dtype's values, so ties survive.
  const auto scores = logits.detach().to(torch::kCPU, torch::kDouble).contiguous();
  const auto target = targets.detach().to(torch::kCPU, torch::kLong).contiguous();
  if (scores.isnan().any().item<bool>()) {
    throw UserError("ClassificationMetrics::update: logits contain NaN");
  }
  const auto t_min = target.min().item<std::int64_t>();
  const auto t_max = target.max().item<std::int64_t>();
  if (t_min < 0 || t_max >= c) {
    throw UserError("ClassificationMetrics::update: target out of range [0, " + std::to_string(c) +
                    "): " + std::to_string(t_min < 0 ? t_min : t_max));
  }

  // Predicted class: first maximum. Rank of the target in the order (score desc, index asc):
  // classes scoring strictly higher, plus lower-indexed classes scoring the same.
  const auto predicted = scores.argmax(1).contiguous();
  const auto target_col = target.unsqueeze(1);
  const auto target_score = scores.gather(1, target_col);
  const auto index = torch::arange(c, torch::kLong).unsqueeze(0);
  const auto rank = (scores > target_score).sum(1) +
                    ((scores == target_score) & (index < target_col)).sum(1);
  const std::int64_t hits = (rank < effective_top_k()).sum().item<std::int64_t>();
  const double nll = -torch::log_softmax(scores, 1).gather(1, target_col).sum().item<double>();

  const auto* p = predicted.data_ptr<std::int64_t>();
  const auto* t = target.data_ptr<std::int64_t>();
  for (std::int64_t i = 0; i < b; ++i) ++confusion_[t[i]][p[i]];
  count_ += b;
  top_k_hits_ += hits;
  nll_sum_ += nll;
}

void ClassificationMetrics::merge(const ClassificationMetrics& other) {
  if (other.class_names_ != class_names_ || other.top_k_ != top_k_) {
    throw UserError("ClassificationMetrics::merge: class names or top_k differ");
  }
  const auto c = class_names_.size();
  for (std::size_t i = 0; i < c; ++i) {
    for (std::size_t j = 0; j < c; ++j) confusion_[i][j] += other.confusion_[i][j];
  }
  count_ += other.count_;
  top_k_hits_ += other.top_k_hits_;
  nll_sum_ += other.nll_sum_;
}

std::vector<double> ClassificationMetrics::totals() const {
  std::vector<double> out;
  out.reserve(confusion_.size() * confusion_.size() + 3);
  for (const auto& row : confusion_) {
    for (const std::int64_t n : row) out.push_back(static_cast<double>(n));
  }
  out.push_back(static_cast<double>(count_));
  out.push_back(static_cast<double>(top_k_hits_));
  out.push_back(nll_sum_);
  return out;
}

void ClassificationMetrics::set_totals(const std::vector<double>& totals) {
  const std::size_t c = class_names_.size();
  if (totals.size() != c * c + 3) {
    throw UserError("ClassificationMetrics::set_totals: expected " + std::to_string(c * c + 3) + " numbers for " +
                    std::to_string(c) + " classes, got " + std::to_string(totals.size()));
  }
  for (std::size_t i = 0; i + 1 < totals.size(); ++i) {  // every entry but the NLL sum is a count
    if (!(totals[i] >= 0.0) || totals[i] != std::floor(totals[i]) || totals[i] > 9007199254740992.0) {
      throw UserError("ClassificationMetrics::set_totals: entry " + std::to_string(i) + " is not a count: " +
                      std::to_string(totals[i]));
    }
  }
  for (std::size_t i = 0; i < c; ++i) {
    for (std::size_t j = 0; j < c; ++j) confusion_[i][j] = static_cast<std::int64_t>(totals[i * c + j]);
  }
  count_ = static_cast<std::int64_t>(totals[c * c]);
  top_k_hits_ = static_cast<std::int64_t>(totals[c * c + 1]);
  nll_sum_ = totals[c * c + 2];
}

double ClassificationMetrics::accuracy() const {
  std::int64_t correct = 0;
  for (std::size_t i = 0; i < confusion_.size(); ++i) correct += confusion_[i][i];
  return ratio(static_cast<double>(correct), static_cast<double>(count_));
}

double ClassificationMetrics::top_k_accuracy() const {
  return ratio(static_cast<double>(top_k_hits_), static_cast<double>(count_));
}

double ClassificationMetrics::mean_loss() const {
  return ratio(nll_sum_, static_cast<double>(count_));
}

std::vector<ClassificationMetrics::PerClass> ClassificationMetrics::per_class() const {
  const auto c = class_names_.size();
  std::vector<std::int64_t> predicted(c, 0);
  for (std::size_t i = 0; i < c; ++i) {
    for (std::size_t j = 0; j < c; ++j) predicted[j] += confusion_[i][j];
  }
  std::vector<PerClass> out;
  out.reserve(c);
  for (std::size_t k = 0; k < c; ++k) {
    std::int64_t support = 0;
    for (std::size_t j = 0; j < c; ++j) support += confusion_[k][j];
    const auto tp = static_cast<double>(confusion_[k][k]);
    const auto fp = static_cast<double>(predicted[k]) - tp;
    const auto fn = static_cast<double>(support) - tp;
    PerClass row;
    row.name = class_names_[k];
    row.precision = ratio(tp, tp + fp);
    row.recall = ratio(tp, tp + fn);
    row.f1 = ratio(2.0 * tp, 2.0 * tp + fp + fn);
    row.support = support;
    out.push_back(std::move(row));
  }
  return out;
}

namespace {

// Mean of one per-class field over all classes (macro) or weighted by support (weighted).
template <class Field>
double macro_average(const std::vector<ClassificationMetrics::PerClass>& rows, Field field) {
  double sum = 0.0;
  for (const auto& row : rows) sum += row.*field;
  return sum / static_cast<double>(rows.size());
}

template <class Field>
double weighted_average(const std::vector<ClassificationMetrics::PerClass>& rows, Field field, std::int64_t count) {
  double sum = 0.0;
  for (const auto& row : rows) sum += row.*field * static_cast<double>(row.support);
  return ratio(sum, static_cast<double>(count));
}

}  // namespace

double ClassificationMetrics::macro_precision() const {
  return macro_average(per_class(), &PerClass::precision);
}
double ClassificationMetrics::macro_recall() const { return macro_average(per_class(), &PerClass::recall); }
double ClassificationMetrics::macro_f1() const { return macro_average(per_class(), &PerClass::f1); }
double ClassificationMetrics::weighted_precision() const {
  return weighted_average(per_class(), &PerClass::precision, count_);
}
double ClassificationMetrics::weighted_recall() const {
  return weighted_average(per_class(), &PerClass::recall, count_);
}
double ClassificationMetrics::weighted_f1() const { return weighted_average(per_class(), &PerClass::f1, count_); }

nlohmann::json ClassificationMetrics::to_json() const {
  nlohmann::json per_class_json = nlohmann::json::array();
  for (const auto& row : per_class()) {
    per_class_json.push_back({{"name", row.name},
                              {"precision", row.precision},
                              {"recall", row.recall},
                              {"f1", row.f1},
                              {"support", row.support}});
  }
  const double loss = mean_loss();
  return {{"count", count_},
          {"accuracy", accuracy()},
          {"top_k", effective_top_k()},
          {"top_k_accuracy", top_k_accuracy()},
          {"loss", std::isfinite(loss) ? nlohmann::json(loss) : nlohmann::json(nullptr)},
          {"macro_precision", macro_precision()},
          {"macro_recall", macro_recall()},
          {"macro_f1", macro_f1()},
          {"weighted_precision", weighted_precision()},
          {"weighted_recall", weighted_recall()},
          {"weighted_f1", weighted_f1()},
          {"per_class", std::move(per_class_json)},
          {"classes", class_names_},
          {"confusion", confusion_}};
}

std::string ClassificationMetrics::confusion_csv() const {
  std::string out;
  for (const auto& name : class_names_) out += "," + csv_field("pred_" + name);
  out += '\n';
  for (std::size_t i = 0; i < class_names_.size(); ++i) {
    out += csv_field("true_" + class_names_[i]);
    for (const auto n : confusion_[i]) out += "," + std::to_string(n);
    out += '\n';
  }
  return out;
}

}  // namespace tessera::metrics
