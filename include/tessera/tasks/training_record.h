#pragma once
// What a finished training run records about its data, written by train::train (rank 0) after
// the last epoch, so a library caller gets the same run directory as `tessera train`:
//   data_fingerprint.json  {"algorithm": "sha256", "framing": "tessera-1",
//                           "splits": {"train": {"files", "bytes", "sha256"}, "val": ..., "test": ...}}
//                          for every split the config names (data/fingerprint.h), images or text
//   drift_reference.json   where the task family has image drift features and drift.reference
//                          is on (tasks/drift_reference.h)
// Their lines go to the console and to the run's train.log. Neither may fail a finished run: a
// problem (unreadable data, a build without OpenSSL) is logged as a warning and the file is not
// written.
#include <torch/types.h>

#include "tessera/core/config/experiment.h"
#include "tessera/run/run_directory.h"

namespace tessera::tasks {

inline constexpr const char* kDataFingerprintFile = "data_fingerprint.json";

// Hashes the splits of `config` and writes <run>/data_fingerprint.json. UserError when a split
// cannot be read or the build has no OpenSSL.
void write_data_fingerprint(const run::RunDirectory& run, const config::ExperimentConfig& config);

// Both records for a finished run (see above), the drift reference measured on `device`; never
// throws UserError.
void record_training_data(const run::RunDirectory& run, const config::ExperimentConfig& config, torch::Device device);

}  // namespace tessera::tasks
