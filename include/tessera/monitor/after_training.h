#pragma once
// What `tessera train` records about its data once training has finished (called by the CLI
// after train::train, so the trainer stays about training):
//   data_fingerprint.json  {"algorithm": "sha256", "framing": "tessera-1",
//                           "splits": {"train": {"files", "bytes", "sha256"}, "val": ..., "test": ...}}
//                          for every split the config names (data/fingerprint.h), images or text
//   drift_reference.json   image classification with drift.reference on (monitor/reference.h)
// Their lines go to the console and to the run's train.log. Neither may fail a finished run: a
// problem (unreadable data, a build without OpenSSL) is logged as a warning and the file is not
// written.
#include <filesystem>

#include "tessera/core/config/experiment.h"
#include "tessera/run/run_directory.h"

namespace tessera::monitor {

inline constexpr const char* kDataFingerprintFile = "data_fingerprint.json";

// Hashes the splits of `config` and writes <run>/data_fingerprint.json. UserError when a split
// cannot be read or the build has no OpenSSL.
void write_data_fingerprint(const run::RunDirectory& run, const config::ExperimentConfig& config);

// Both records for a finished run (see above); never throws UserError.
void record_after_training(const std::filesystem::path& run_dir);

}  // namespace tessera::monitor
