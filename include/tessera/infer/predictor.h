#pragma once
// `tessera infer`: predictions for a folder or list of image files, written as CSV:
//   path,label,confidence,top1,top1_prob,top2,top2_prob,...,error
// Files are taken recursively in sorted order. A file that cannot be read gets a row with the
// reason in `error` (and a warning on stderr); the rest are still predicted.
#include <filesystem>
#include <string>
#include <vector>

namespace tessera::infer {

struct InferRequest {
  std::filesystem::path run_dir;
  std::vector<std::filesystem::path> inputs;  // folders and/or files
  int top_k = 3;
  std::filesystem::path output;               // CSV path; empty = <run>/predictions.csv
  std::string device = "auto";
  int batch_size = 0;                          // 0 = the run's eval.batch_size
};

struct InferSummary {
  std::size_t predicted = 0;
  std::size_t failed = 0;
  std::filesystem::path output;
};

InferSummary predict(const InferRequest& request);

}  // namespace tessera::infer
