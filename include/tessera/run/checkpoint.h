#pragma once
// Resume state for training. One file (checkpoint.pt) holds everything a resumed run needs to
// continue exactly where the killed one stopped: weights and buffers, optimizer state, torch's
// CPU random generator, and the loop counters. One file, written atomically, so the pieces can
// never come from two different epochs.
#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>

namespace tessera::run {

struct TrainProgress {
  std::int64_t epochs_completed = 0;
  std::int64_t step = 0;  // optimizer steps taken
  double best_metric = std::numeric_limits<double>::quiet_NaN();
  std::int64_t best_epoch = 0;
  std::int64_t evals_without_improvement = 0;
  bool finished = false;  // the run ended (all epochs or early stopping)
};

void save_checkpoint(const std::filesystem::path& path, const torch::nn::Module& model,
                     const torch::optim::Optimizer& optimizer, const TrainProgress& progress);

// Restores model, optimizer and torch's CPU generator in place and returns the counters.
// UserError naming the file when it is unreadable or belongs to a different model.
TrainProgress load_checkpoint(const std::filesystem::path& path, torch::nn::Module& model,
                              torch::optim::Optimizer& optimizer);

}  // namespace tessera::run
