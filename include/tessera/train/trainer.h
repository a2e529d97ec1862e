#pragma once
// The training loop, generic over tasks::Task: epochs of optimizer steps with a per-step
// learning-rate schedule and gradient clipping, validation every `eval_every` epochs, the best
// weights kept by the monitored metric, early stopping, and after every epoch an atomic
// checkpoint from which `--resume` continues exactly (same final weights on the CPU).
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>
#include <optional>
#include <string>

#include "tessera/core/config/experiment.h"
#include "tessera/dist/group.h"

namespace tessera::train {

struct TrainRequest {
  config::ExperimentConfig config;
  // Resume: continue this run directory (its own config.yaml wins over `config`), or, when
  // empty with `resume` set, the latest run of config.runtime.name under output_dir.
  bool resume = false;
  std::filesystem::path resume_dir;
  // The command line's --set overrides. Resuming, they apply on top of the run's own config (a
  // lower optim.lr after a divergence, more train.epochs); config.yaml records them once the
  // checkpoint has loaded. A change the checkpoint cannot take (another model) is a UserError.
  std::vector<std::string> overrides;
  // Data-parallel training (dist/group.h): every rank calls train() with the same request and its
  // own joined group. Rank 0 makes (or opens) the run directory and alone writes to it, logs to
  // train.log and tracks; the others take its config, train their shard of each epoch, and log
  // warnings only. Resuming needs the run directory on storage every rank can read.
  dist::Group* group = nullptr;
};

struct TrainSummary {
  std::filesystem::path run_dir;
  std::int64_t epochs_completed = 0;
  std::int64_t best_epoch = 0;    // the epoch whose weights are in weights.safetensors
  double best_val_accuracy = std::numeric_limits<double>::quiet_NaN();
  double best_val_loss = std::numeric_limits<double>::quiet_NaN();
  nlohmann::json test;   // metrics of the best weights on data.test (null when no test split)
  double train_seconds = 0.0;
  bool early_stopped = false;
  // The task's own lines about the result ("validation accuracy: 0.9860 (weights of epoch 9 of
  // 10)", "test loss: ..."), for the CLI to print as they are.
  std::vector<std::string> result_lines;
};

TrainSummary train(const TrainRequest& request);

}  // namespace tessera::train
