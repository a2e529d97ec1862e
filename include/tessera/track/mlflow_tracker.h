#pragma once
// The MLflow tracker: a training run written to an MLflow file store (track/mlflow_store.h) in
// experiment runtime.mlflow_experiment, as one MLflow run named after the run directory.
//
//   params     the resolved config flattened, paths reduced to names (track/run_params.h)
//   tags       mlflow.runName, mlflow.source.name = tessera, mlflow.source.type = LOCAL,
//              tessera.version, tessera.run_dir (the folder name, never a full path), tessera.task
//   metrics    every numeric key of each metrics.jsonl record, step = epoch; at the end
//              best_epoch, best_val_*, train_seconds and test_* of training's own test pass
//   status     RUNNING, then FINISHED or FAILED. A SIGKILLed run stays RUNNING (nothing can
//              write KILLED); `train --resume` reopens the same MLflow run and continues it.
//   artifacts  config.yaml (PHI-safe copy), labels.txt or tokenizer.json, data_fingerprint.json;
//              after `tessera eval` also report.json, report.html, confusion.csv
//
// The link between the two lives in the run directory as mlflow.json:
//   {"tracking_uri": "file:///abs/mlruns", "store": "/abs/mlruns", "experiment_id": "...", "run_id": "..."}
// so that `--resume` and `tessera eval` find the MLflow run from any working directory. On every
// start the tracker also logs each metrics.jsonl value the MLflow run lacks (same key and step),
// so a kill between the two writes leaves no gap and a resume never duplicates an epoch.
#include <filesystem>
#include <memory>
#include <vector>

#include "tessera/track/tracker.h"

namespace tessera::track {

inline constexpr const char* kMlflowLinkFile = "mlflow.json";

std::unique_ptr<RunTracker> make_mlflow_tracker(const config::ExperimentConfig& config, const run::RunDirectory& run,
                                                const std::string& task_family);

// After `tessera eval` of `run_dir`: logs the report's numbers as test_<key> metrics (top-level
// numbers, and numbers one level down as test_<section>_<key>, e.g. test_calibration_ece) at
// the run's last epoch, and `files` (report.json, confusion.csv ...) as artifacts, with
// report.html beside the first file and the run's labels/tokenizer/data_fingerprint.json.
// Does nothing for a run without mlflow.json; returns whether it logged anything. Problems are
// warnings: the evaluation itself succeeded.
bool record_evaluation(const std::filesystem::path& run_dir, const nlohmann::json& report,
                       const std::vector<std::filesystem::path>& files);

}  // namespace tessera::track
