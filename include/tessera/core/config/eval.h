#pragma once
#include <string>

#include "tessera/core/config/reader.h"

namespace tessera::config {

// `tessera eval` (and the trainer's val/test passes). The report settings only shape report.json:
//   calibration_bins    equal-width confidence bins of the expected calibration error
//   threshold           two-class runs: a sample is called positive when p(positive) >= threshold
//   target_sensitivity  two-class runs: also report the highest threshold reaching this sensitivity
//   positive_class      two-class runs: the class name taken as positive; "" = the second class (index 1)
//   mistakes            how many of the most confident wrong predictions the report lists
struct EvalConfig {
  int batch_size = 256;
  int top_k = 5;
  bool cuda_graphs = false;  // replay the forward pass as a CUDA graph (full batches, CUDA only)
  int calibration_bins = 15;
  double threshold = 0.5;
  double target_sensitivity = 0.95;
  std::string positive_class;
  int mistakes = 16;

  template <class V>
  void visit(V& v) {
    v.field("batch_size", batch_size);
    v.field("top_k", top_k, Applies::image_classification);
    v.field("cuda_graphs", cuda_graphs);
    v.field("calibration_bins", calibration_bins, Applies::image_classification);
    v.field("threshold", threshold, Applies::image_classification);
    v.field("target_sensitivity", target_sensitivity, Applies::image_classification);
    v.field("positive_class", positive_class, Applies::image_classification);
    v.field("mistakes", mistakes, Applies::image_classification);
  }
  void validate(const SectionChecker& c) const {
    c.positive("batch_size", batch_size);
    c.positive("top_k", top_k);
    c.in_range("calibration_bins", calibration_bins, 1, 1000);
    c.in_range("threshold", threshold, 0.0, 1.0);
    c.in_range("target_sensitivity", target_sensitivity, 0.0, 1.0);
    c.positive("target_sensitivity", target_sensitivity);  // a threshold for sensitivity 0 is +inf
    c.in_range("mistakes", mistakes, 0, 10000);
  }
};

}  // namespace tessera::config
