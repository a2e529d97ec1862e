#pragma once
// Experiment tracking, as the training loop sees it: a tracker hears when a run starts, when
// each epoch ends and how the run ends, and records that somewhere outside the run directory
// (MLflow today: track/mlflow_tracker.h). The trainer knows only this interface.
//
// Trackers must not stop training for their own sake: started() may throw (a misconfigured
// store is better found before the first epoch), the other calls warn and carry on.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>

#include "tessera/core/config/experiment.h"
#include "tessera/run/run_directory.h"

namespace tessera::track {

class RunTracker {
 public:
  virtual ~RunTracker() = default;
  // The run directory exists and holds config.yaml; `resuming` when `train --resume` continues it.
  virtual void started(bool resuming) = 0;
  // One metrics.jsonl record, already appended to the run directory.
  virtual void epoch_finished(const nlohmann::json& record) = 0;
  // Training ended normally. `metrics` holds end-of-run numbers (best_val_accuracy, test_* ...)
  // logged at `step`, the last epoch.
  virtual void finished(const nlohmann::json& metrics, std::int64_t step) = 0;
  // Training stopped with an exception (the trainer rethrows it).
  virtual void failed() = 0;
};

// The tracker `config` asks for: MLflow when runtime.mlflow_dir is set, else one that does nothing.
// `task_family` ("classification", "language_model": tasks::TaskFamily::name) becomes the run's
// tessera.task tag; the tracker knows no task itself.
std::unique_ptr<RunTracker> tracker_for(const config::ExperimentConfig& config, const run::RunDirectory& run,
                                        const std::string& task_family);
// One that records nothing: the ranks other than 0 of a data-parallel run.
std::unique_ptr<RunTracker> null_tracker();

}  // namespace tessera::track
