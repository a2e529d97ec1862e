#pragma once
// `tessera infer`: predictions for a folder or list of image files, written as CSV:
//   path,label,confidence,top1,top1_prob,top2,top2_prob,...,error
// Files are taken recursively in sorted order. A file that cannot be read gets a row with the
// reason in `error` (and a warning on stderr); the rest are still predicted.
// DICOM inputs: folder and file names often hold patient names or IDs, so the `path` column and
// the log name each file by an opaque reference, "dicom sample #<index in sorted order> (<hash of
// the path>)", unless the caller asks for paths (show_paths, `--show-paths`).
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
  bool show_paths = false;                     // DICOM: real paths instead of opaque references
  std::string series;                          // "auto" | "off"; empty = the run's infer.series
  std::string series_aggregate;                // "mean" | "max"; empty = the run's infer.series_aggregate
};

struct InferSummary {
  std::size_t predicted = 0;
  std::size_t failed = 0;
  std::filesystem::path output;
  std::size_t series = 0;                      // DICOM series found (0: no series file written)
  std::filesystem::path series_output;         // <output stem>.series.csv when series > 0
};

InferSummary predict(const InferRequest& request);

}  // namespace tessera::infer
