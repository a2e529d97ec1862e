#pragma once
// Classification metrics accumulated batch by batch: confusion matrix, top-1 / top-k accuracy and
// mean cross-entropy, plus everything derived from the confusion matrix (per-class precision,
// recall, F1; their macro and weighted averages). Pure maths: no training loop, no I/O.
//
// Conventions (chosen to match sklearn.metrics where it has an answer):
//  - Every ratio whose denominator is zero is 0, like sklearn's zero_division=0: precision of a
//    class never predicted, recall/F1 of a class with no support, accuracy and loss of an empty
//    accumulator.
//  - F1 = 2*tp / (2*tp + fp + fn), the formula sklearn uses (equal to 2PR/(P+R) when defined).
//  - Macro averages (precision, recall, F1) run over all C classes given to the constructor,
//    including classes with zero support (sklearn with labels=range(C)); weighted averages weight
//    each class by its support (sklearn average="weighted"). Each average is taken over the
//    per-class values, so macro F1 is not the F1 of macro precision and macro recall.
//  - Ties in scores are broken by class index, lower index first, for both top-1 and top-k: the
//    predicted class is the first maximum (as torch::argmax), and a sample is a top-k hit when its
//    target is among the first k classes of the ordering (score descending, index ascending).
//    So top_k_accuracy() with k = 1 always equals accuracy(). (sklearn's top_k_accuracy_score
//    breaks ties the other way, higher index first; the difference only shows on exact ties.)
//  - The loss is computed from log_softmax of the scores, so it is the cross-entropy only when
//    update() receives logits; with probabilities the ranks and counts are still right.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

namespace tessera::metrics {

class ClassificationMetrics {
 public:
  // class_names must be non-empty and distinct; top_k must be >= 1 (it is capped at C when used).
  // Throws tessera::UserError otherwise.
  ClassificationMetrics(std::vector<std::string> class_names, int top_k = 5);

  // logits (or probabilities) [B, C] of any floating dtype on any device, targets [B] of an integer
  // dtype with values in [0, C). Both are copied to the CPU. Throws tessera::UserError on a shape,
  // dtype or range mismatch, or on NaN scores; the accumulator is left unchanged then.
  void update(const torch::Tensor& logits, const torch::Tensor& targets);

  // Adds other's counts into this one (sharded evaluation). Both must have the same class names
  // and top_k, else tessera::UserError.
  void merge(const ClassificationMetrics& other);
  // The accumulator as numbers that add up across processes: the C*C confusion counts (row-major,
  // [true][pred]), then count, top-k hits and the NLL sum. set_totals() takes such a vector back
  // (e.g. summed over ranks); a vector of another length or a negative or fractional count is a
  // tessera::UserError that changes nothing.
  std::vector<double> totals() const;
  void set_totals(const std::vector<double>& totals);

  std::int64_t count() const { return count_; }
  int num_classes() const { return static_cast<int>(class_names_.size()); }
  int effective_top_k() const;  // min(top_k, C)
  const std::vector<std::string>& class_names() const { return class_names_; }

  double accuracy() const;        // top-1
  double top_k_accuracy() const;  // k = effective_top_k()
  double mean_loss() const;       // mean cross-entropy (NLL) over samples
  const std::vector<std::vector<std::int64_t>>& confusion() const { return confusion_; }  // [true][pred]

  struct PerClass {
    std::string name;
    double precision = 0.0;
    double recall = 0.0;
    double f1 = 0.0;
    std::int64_t support = 0;
  };
  std::vector<PerClass> per_class() const;
  double macro_precision() const;
  double macro_recall() const;
  double macro_f1() const;
  double weighted_precision() const;
  double weighted_recall() const;  // equals accuracy() up to rounding (sum of tp over count)
  double weighted_f1() const;

  // {"count","accuracy","top_k","top_k_accuracy","loss","macro_precision","macro_recall","macro_f1",
  //  "weighted_precision","weighted_recall","weighted_f1",
  //  "per_class":[{"name","precision","recall","f1","support"}...],"classes":[...],"confusion":[[...]]}
  // "top_k" is the effective k. A non-finite loss (a target scored -inf) is written as null.
  nlohmann::json to_json() const;

  // Header ",pred_<name>,..." then one row "true_<name>,<counts>..." per class, each line ending in
  // '\n'. A field holding a comma, double quote, CR or LF is quoted as RFC 4180 says.
  std::string confusion_csv() const;

 private:
  std::vector<std::string> class_names_;
  int top_k_;
  std::vector<std::vector<std::int64_t>> confusion_;
  std::int64_t count_ = 0;
  std::int64_t top_k_hits_ = 0;
  double nll_sum_ = 0.0;
};

}  // namespace tessera::metrics
