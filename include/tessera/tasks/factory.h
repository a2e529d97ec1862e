#pragma once
// Which task a config trains: model.name gpt is a language model, every other model classifies
// images. The trainer goes through here so it never names a task.
#include <memory>

#include "tessera/core/config/experiment.h"
#include "tessera/tasks/task.h"

namespace tessera::tasks {

std::unique_ptr<Task> create_training_task(const config::ExperimentConfig& config, torch::Device device);

}  // namespace tessera::tasks
