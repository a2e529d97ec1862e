#pragma once
// The task families and which of the loops' services apply to each. Apart from config parsing
// (core/config/experiment.h, which must know which keys apply), this is the one place that tells
// an image classifier from a language model: train, eval, compare, drift, the tracker's tags and
// the CLI's summary ask the family or the Task, never the model name. A third family is one more
// entry here and its Task class.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tessera/core/config/experiment.h"
#include "tessera/data/fingerprint.h"
#include "tessera/run/run_directory.h"
#include "tessera/tasks/task.h"

namespace tessera::tasks {

struct TaskFamily {
  const char* name;  // "classification", "language_model": MLflow's tessera.task tag, report fields
  const char* noun;  // "an image classification", "a language model": "<run> is <noun> run"
  // Drift reference and `tessera drift` apply: the family's inputs are images with features.
  bool image_drift = false;
  // `tessera compare` applies: an A/B over the same labelled samples, per-sample correctness.
  bool paired_comparison = false;
  // The items of one split, in the order the task reads them, for the run's data fingerprint.
  // `run` holds the labels a classifier's splits are read with.
  std::vector<data::FingerprintItem> (*fingerprint_items)(const std::filesystem::path& split,
                                                          const run::RunDirectory& run) = nullptr;
  // A task for training `config` on `device` (reads the config's splits).
  std::unique_ptr<Task> (*for_training)(const config::ExperimentConfig& config, torch::Device device) = nullptr;
  // A trained model from its run directory (config, what write_to_run stored, and
  // weights.safetensors or last.safetensors) on `device`; no data is read yet.
  std::unique_ptr<Task> (*from_run)(const run::RunDirectory& run, torch::Device device, bool last_weights) = nullptr;
  // What `tessera train` prints about a finished run, one line each, from its end-of-run numbers:
  // best_epoch, epochs, best_val_loss / best_val_accuracy (absent without validation) and test
  // (the best weights' test metrics; absent without a test split).
  std::vector<std::string> (*training_summary)(const nlohmann::json& end_of_run) = nullptr;
};

// The family `config` trains (model.name gpt: language model; any other model: classification).
const TaskFamily& family_of(const config::ExperimentConfig& config);
// The family of the run's config.
const TaskFamily& family_of(const run::RunDirectory& run);

// UserError "<run> is <noun> run; <service> applies to ..." unless the run's family offers the
// service: `applies` is the family's flag (e.g. family.image_drift).
void require_service(const run::RunDirectory& run, const TaskFamily& family, bool applies, const std::string& service);

}  // namespace tessera::tasks
