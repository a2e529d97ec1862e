#include "tessera/tasks/family.h"

#include <cmath>

#include "tessera/core/error.h"
#include "tessera/core/format.h"
#include "tessera/data/dataset.h"
#include "tessera/tasks/classification.h"
#include "tessera/tasks/language_model.h"

namespace tessera::tasks {
namespace {

long long whole(const nlohmann::json& end_of_run, const char* key) { return end_of_run.value(key, std::int64_t{0}); }

std::vector<std::string> classification_summary(const nlohmann::json& end_of_run) {
  std::vector<std::string> lines;
  if (end_of_run.contains("best_val_accuracy")) {
    lines.push_back(printed("validation accuracy: %.4f (weights of epoch %lld of %lld)",
                            end_of_run["best_val_accuracy"].get<double>(), whole(end_of_run, "best_epoch"),
                            whole(end_of_run, "epochs")));
  }
  if (end_of_run.contains("test")) {
    lines.push_back(printed("test accuracy: %.4f", end_of_run["test"].value("accuracy", 0.0)));
  }
  return lines;
}

std::vector<std::string> language_model_summary(const nlohmann::json& end_of_run) {
  std::vector<std::string> lines;
  if (end_of_run.contains("best_val_loss")) {
    const double loss = end_of_run["best_val_loss"].get<double>();
    lines.push_back(printed("validation loss: %.4f nats/token, perplexity %.3f (weights of epoch %lld of %lld)", loss,
                            std::exp(loss), whole(end_of_run, "best_epoch"), whole(end_of_run, "epochs")));
  }
  if (end_of_run.contains("test")) lines.push_back(printed("test loss: %.4f", end_of_run["test"].value("loss", 0.0)));
  return lines;
}

std::vector<data::FingerprintItem> image_items(const std::filesystem::path& split, const run::RunDirectory& run) {
  return data::fingerprint_items(data::load_dataset(split, run.read_labels()));
}

std::vector<data::FingerprintItem> text_items(const std::filesystem::path& split, const run::RunDirectory&) {
  return data::text_fingerprint_items(split);
}

std::unique_ptr<Task> classifier_for_training(const config::ExperimentConfig& config, torch::Device device) {
  return ClassificationTask::for_training(config, device);
}

std::unique_ptr<Task> language_model_for_training(const config::ExperimentConfig& config, torch::Device device) {
  return LanguageModelTask::for_training(config, device);
}

std::unique_ptr<Task> classifier_from_run(const run::RunDirectory& run, torch::Device device, bool last_weights) {
  return ClassificationTask::from_run_directory(run, device, last_weights);
}

std::unique_ptr<Task> language_model_from_run(const run::RunDirectory& run, torch::Device device, bool last_weights) {
  return LanguageModelTask::from_run_directory(run, device, last_weights);
}

const TaskFamily kClassification{
    .name = "classification",
    .noun = "an image classification",
    .image_drift = true,
    .paired_comparison = true,
    .fingerprint_items = image_items,
    .for_training = classifier_for_training,
    .from_run = classifier_from_run,
    .training_summary = classification_summary,
};

const TaskFamily kLanguageModel{
    .name = "language_model",
    .noun = "a language model",
    .image_drift = false,
    .paired_comparison = false,
    .fingerprint_items = text_items,
    .for_training = language_model_for_training,
    .from_run = language_model_from_run,
    .training_summary = language_model_summary,
};

}  // namespace

const TaskFamily& family_of(const config::ExperimentConfig& config) {
  return config.is_language_model() ? kLanguageModel : kClassification;
}

const TaskFamily& family_of(const run::RunDirectory& run) { return family_of(run.read_config()); }

void require_service(const run::RunDirectory& run, const TaskFamily& family, bool applies, const std::string& service) {
  if (!applies) throw UserError(run.path().string() + " is " + family.noun + " run; " + service);
}

}  // namespace tessera::tasks
