#pragma once
// `tessera drift RUN --data NEW`: are new images still like the training data? The features of
// config/drift.h are measured on the new images and compared with the run's drift reference
// feature by feature (PSI and, for numeric features, the KS test); a feature drifts when either
// crosses its threshold, and the data drifts when any feature does.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "tessera/core/config/drift.h"
#include "tessera/monitor/statistics.h"
#include "tessera/tasks/image_features.h"

namespace tessera::monitor {

// What is measured is the classification task's (tasks/image_features.h); monitor compares it.
using tasks::FeatureSummary;

struct FeatureDrift {
  std::string name;
  std::string kind;   // "histogram" (pixel values), "numeric" (per image), "categorical" (predicted class)
  double psi = 0.0;
  std::size_t psi_bins = 0;
  std::optional<KsResult> ks;  // numeric features only
  std::int64_t reference_count = 0, new_count = 0;  // values (numeric: the samples compared) or images
  std::optional<double> reference_mean, new_mean;   // numeric features: means of the samples
  std::vector<double> reference_proportions, new_proportions;  // histogram and categorical features
  bool psi_drift = false, ks_drift = false;
  bool drift() const { return psi_drift || ks_drift; }
};

struct DriftComparison {
  std::vector<FeatureDrift> features;
  int ks_tests = 0;
  double ks_alpha = 0.0;  // the p-value threshold each KS test faces (after the correction)
  bool drift = false;
};

// Compares two summaries with the thresholds of `settings` (psi_bins, psi_threshold,
// psi_epsilon, ks_pvalue, ks_correction). Features are listed in a fixed order: pixel histograms,
// mean intensities, width, height, aspect, confidence, predicted class. Features the new data
// lacks (no image readable, no prediction) are left out. Throws UserError when the two summaries
// cannot be compared (DICOM vs images, other channels, other histogram bins or classes).
DriftComparison compare(const FeatureSummary& reference, const FeatureSummary& current, const config::DriftConfig& settings);

struct DriftRequest {
  std::filesystem::path run_dir;
  std::filesystem::path data;    // a folder of images (searched recursively) or a CSV manifest
  std::filesystem::path output;  // drift.json; empty = <run>/drift.json
  std::string device = "auto";
  std::optional<double> psi_threshold, ks_pvalue;  // override the run's drift settings
};

struct DriftResult {
  DriftComparison comparison;
  nlohmann::json report;         // what drift.json holds
  std::string table;             // the readable summary for stdout
  std::filesystem::path output;
};

// Runs the comparison and writes drift.json. A run without drift_reference.json (trained before
// drift references existed, or with drift.reference off) gets one computed from its training data
// first. UserError for language-model runs, unreadable new data or an unusable reference.
DriftResult detect_drift(const DriftRequest& request);

}  // namespace tessera::monitor
