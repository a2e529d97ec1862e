#pragma once
// Resume state for training. One file (checkpoint.pt) holds everything a resumed run needs to
// continue exactly where the killed one stopped: weights and buffers, optimizer state, torch's
// CPU random generator, and the loop counters. One file, written atomically, so the pieces can
// never come from two different epochs.
//
// Integrity: the file is torch's archive followed by a 32-byte trailer, "TSRCKPT1", the archive's
// length and its CRC-64 (c10::util::crc64, little-endian), then "TSRCKEND". Loading checks both
// before it touches the model, so a truncated or corrupted file is named as such instead of
// half-loading. Before each save the current checkpoint becomes checkpoint.prev.pt (a hard link
// renamed into place), so one good checkpoint always survives a bad one.
#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>

#include "tessera/core/error.h"

namespace tessera::run {

struct TrainProgress {
  std::int64_t epochs_completed = 0;
  std::int64_t step = 0;  // optimizer steps taken
  double best_metric = std::numeric_limits<double>::quiet_NaN();
  std::int64_t best_epoch = 0;
  std::int64_t evals_without_improvement = 0;
  bool finished = false;  // the run ended (all epochs or early stopping)
  // Steps of epoch epochs_completed + 1 already taken: nonzero only in a checkpoint saved when a
  // stop signal ended the run mid-epoch; the resumed run starts that epoch at this step.
  std::int64_t epoch_steps = 0;
};

// A checkpoint whose bytes are not what was written: truncated, corrupted, or no trailer.
class CorruptCheckpoint : public UserError {
 public:
  using UserError::UserError;
};

// Checks a checkpoint's length and CRC-64 without loading it; CorruptCheckpoint when they do not
// match, UserError when the file cannot be read.
void verify_checkpoint(const std::filesystem::path& path);

// Where the previous good checkpoint of `path` is kept: checkpoint.pt -> checkpoint.prev.pt.
std::filesystem::path previous_checkpoint_path(const std::filesystem::path& path);

// `archive` (torch's archive bytes) followed by the trailer described above: the bytes
// save_checkpoint writes. Public so the fuzz target and regression tests can put any archive
// behind a valid checksum without encoding the trailer a second time.
std::string with_checksum_trailer(std::string archive);

void save_checkpoint(const std::filesystem::path& path, const torch::nn::Module& model,
                     const torch::optim::Optimizer& optimizer, const TrainProgress& progress);

// Restores model, optimizer and torch's CPU generator in place and returns the counters.
// CorruptCheckpoint when the checksum or length does not match (nothing is changed then);
// UserError naming the file when it is missing, unreadable or belongs to a different model.
TrainProgress load_checkpoint(const std::filesystem::path& path, torch::nn::Module& model,
                              torch::optim::Optimizer& optimizer);

// What `--resume` loads: `path`, or, when it is corrupt (or missing), the previous good one
// beside it, with a warning naming both. `used` receives the file that was loaded. UserError
// naming both files when neither loads.
TrainProgress load_latest_good_checkpoint(const std::filesystem::path& path, torch::nn::Module& model,
                                          torch::optim::Optimizer& optimizer, std::filesystem::path* used = nullptr);

}  // namespace tessera::run
