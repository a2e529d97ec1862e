#pragma once
// The drift reference of a run (drift_reference.json): what the training data and the trained
// model's predictions looked like, stored by `tessera train` after the last epoch so that
// `tessera drift` can compare new data with it. See config/drift.h for what is measured.
#include <nlohmann/json.hpp>
#include <torch/types.h>

#include <filesystem>
#include <string>

#include "tessera/run/run_directory.h"
#include "tessera/tasks/image_features.h"

namespace tessera::tasks {

inline constexpr const char* kDriftReferenceFile = "drift_reference.json";

struct DriftReference {
  FeatureSummary features;              // images of the training split; predictions of `prediction_split`
  std::int64_t train_samples = 0;       // training split size before the drift.max_reference_images cap
  std::string prediction_split;         // "val", or "train" when the run has no validation split
  std::int64_t prediction_samples = 0;  // that split's size before the cap
  double seconds = 0.0;                 // time the reference took
};

nlohmann::json to_json(const DriftReference& reference);
DriftReference reference_from_json(const nlohmann::json& json, const std::string& where);

// Computes the reference of an image-classification run with its best weights
// (weights.safetensors) on `device`, writes it to <run>/drift_reference.json and logs how long
// it took. UserError for a language-model run or data that can no longer be read.
DriftReference compute_drift_reference(const run::RunDirectory& run, torch::Device device);

// Reads <run>/drift_reference.json; UserError naming the file when it is malformed.
DriftReference read_drift_reference(const std::filesystem::path& file);

}  // namespace tessera::tasks
