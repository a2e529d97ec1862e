#include "tessera/tasks/drift_reference.h"

#include <chrono>

#include "tessera/core/atomic_file.h"
#include "tessera/core/error.h"
#include "tessera/core/format.h"
#include "tessera/core/logging.h"
#include "tessera/data/dataset.h"
#include "tessera/tasks/family.h"
#include "tessera/tasks/image_observe.h"

namespace tessera::tasks {

nlohmann::json to_json(const DriftReference& reference) {
  return {{"format", "tessera-drift-reference-1"},
          {"train_samples", reference.train_samples},
          {"prediction_split", reference.prediction_split},
          {"prediction_samples", reference.prediction_samples},
          {"seconds", reference.seconds},
          {"features", to_json(reference.features)}};
}

DriftReference reference_from_json(const nlohmann::json& json, const std::string& where) {
  try {
    if (json.value("format", "") != "tessera-drift-reference-1") {
      throw UserError(where + ": not a drift reference of this version (format '" + json.value("format", "") + "')");
    }
    DriftReference reference;
    reference.features = summary_from_json(json.at("features"), where);
    reference.train_samples = json.at("train_samples").get<std::int64_t>();
    reference.prediction_split = json.at("prediction_split").get<std::string>();
    reference.prediction_samples = json.at("prediction_samples").get<std::int64_t>();
    reference.seconds = json.at("seconds").get<double>();
    return reference;
  } catch (const nlohmann::json::exception& e) {
    throw UserError(where + ": malformed drift reference (" + std::string(e.what()) + ")");
  }
}

DriftReference compute_drift_reference(const run::RunDirectory& run, torch::Device device) {
  const auto start = std::chrono::steady_clock::now();
  const config::ExperimentConfig config = run.read_config();
  const tasks::TaskFamily& family = tasks::family_of(config);
  tasks::require_service(run, family, family.image_drift, "drift references are for image classifiers");
  const config::DriftConfig& settings = config.drift;
  auto task = tasks::ClassificationTask::from_run_directory(run, device);
  const std::uint64_t seed = config.runtime.seed;

  const data::ClassificationDataset train = data::load_dataset(config.data.train, task->classes());
  ImageObserver observer(config.data.channels, data::is_dicom_dataset(train), settings.histogram_bins,
                         static_cast<std::size_t>(settings.sample_size), seed, task->classes());
  DriftReference reference;
  reference.train_samples = static_cast<std::int64_t>(train.samples.size());
  observe(*task, subsample(train, static_cast<std::size_t>(settings.max_reference_images), seed), observer,
          {.features = true, .predictions = false, .label = "drift reference: train images"});

  // Predictions of held-out images: on the training images the model is more confident than it
  // will ever be on new data.
  const bool has_val = !config.data.val.empty();
  const data::ClassificationDataset predicted = has_val ? data::load_dataset(config.data.val, task->classes()) : train;
  reference.prediction_split = has_val ? "val" : "train";
  reference.prediction_samples = static_cast<std::int64_t>(predicted.samples.size());
  observe(*task, subsample(predicted, static_cast<std::size_t>(settings.max_reference_images), seed), observer,
          {.features = false,
           .predictions = true,
           .label = "drift reference: " + reference.prediction_split + " predictions"});

  reference.features = observer.summary();
  if (reference.features.images == 0) throw UserError("drift reference: none of the training images could be read");
  reference.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // Compact: the samples are thousands of numbers, one per line when indented.
  write_file_atomic(run.path() / kDriftReferenceFile, to_json(reference).dump() + "\n");
  log::info("drift reference: ", reference.features.images, " of ", reference.train_samples, " training images, ",
            reference.features.predicted_images, " ", reference.prediction_split, " predictions in ",
            fixed(reference.seconds, 2), " s -> ", kDriftReferenceFile);
  return reference;
}

DriftReference read_drift_reference(const std::filesystem::path& file) {
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(read_file(file));
  } catch (const nlohmann::json::exception& e) {
    // parse_error, or out_of_range for a number too large for a double (as in text/vocab_file.cpp).
    throw UserError(file.string() + ": not valid JSON (" + e.what() + ")");
  }
  return reference_from_json(json, file.string());
}

}  // namespace tessera::tasks
