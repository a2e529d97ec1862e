#include "tessera/monitor/after_training.h"

#include <nlohmann/json.hpp>

#include "tessera/core/device.h"
#include "tessera/core/error.h"
#include "tessera/core/logging.h"
#include "tessera/data/fingerprint.h"
#include "tessera/data/sha256.h"
#include "tessera/monitor/reference.h"

namespace tessera::monitor {

void write_data_fingerprint(const run::RunDirectory& run, const config::ExperimentConfig& config) {
  if (!data::sha256_available()) {
    throw UserError("this build has no OpenSSL (built without OpenSSL: TESSERA_WITH_OPENSSL off), so it cannot hash");
  }
  const std::vector<std::string> classes = config.is_language_model() ? std::vector<std::string>{} : run.read_labels();
  nlohmann::json splits = nlohmann::json::object();
  for (const auto& [name, path] : {std::pair<std::string, std::string>{"train", config.data.train},
                                   {"val", config.data.val},
                                   {"test", config.data.test}}) {
    if (path.empty()) continue;
    const auto items = config.is_language_model() ? data::text_fingerprint_items(path)
                                                  : data::fingerprint_items(data::load_dataset(path, classes));
    const data::SplitFingerprint fingerprint = data::fingerprint(items, name);
    splits[name] = data::to_json(fingerprint);
    // The hash, never a path: medical file names often carry patient names.
    log::info("data fingerprint: ", name, " ", fingerprint.files, " files, ", fingerprint.bytes, " bytes, sha256 ",
              fingerprint.sha256);
  }
  run.write_json(kDataFingerprintFile, {{"algorithm", "sha256"}, {"framing", "tessera-1"}, {"splits", splits}});
}

void record_after_training(const std::filesystem::path& run_dir) {
  const auto run = run::RunDirectory::open(run_dir);
  const config::ExperimentConfig config = run.read_config();
  log::add_file(run.log_path());  // appends to train.log
  try {
    write_data_fingerprint(run, config);
  } catch (const UserError& e) {
    log::warn("data fingerprint not written: ", e.what());
  }
  if (config.is_language_model()) {
    log::debug("drift reference: skipped, language model runs have none");
  } else if (!config.drift.reference) {
    log::debug("drift reference: skipped (drift.reference is off)");
  } else {
    try {
      compute_drift_reference(run, resolve_device(config.runtime.device));
    } catch (const UserError& e) {
      log::warn("drift reference not written: ", e.what());
    }
  }
  log::remove_file();
}

}  // namespace tessera::monitor
