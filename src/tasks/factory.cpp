#include "tessera/tasks/factory.h"

#include "tessera/tasks/classification.h"
#include "tessera/tasks/language_model.h"

namespace tessera::tasks {

std::unique_ptr<Task> create_training_task(const config::ExperimentConfig& config, torch::Device device) {
  if (config.is_language_model()) return LanguageModelTask::for_training(config, device);
  return ClassificationTask::for_training(config, device);
}

}  // namespace tessera::tasks
