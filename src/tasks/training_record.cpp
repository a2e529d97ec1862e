#include "tessera/tasks/training_record.h"

#include <nlohmann/json.hpp>

#include "tessera/core/error.h"
#include "tessera/core/logging.h"
#include "tessera/data/fingerprint.h"
#include "tessera/data/sha256.h"
#include "tessera/tasks/drift_reference.h"
#include "tessera/tasks/family.h"

namespace tessera::tasks {

void write_data_fingerprint(const run::RunDirectory& run, const config::ExperimentConfig& config) {
  if (!data::sha256_available()) {
    throw UserError("this build has no OpenSSL (built without OpenSSL: TESSERA_WITH_OPENSSL off), so it cannot hash");
  }
  const TaskFamily& family = family_of(config);
  nlohmann::json splits = nlohmann::json::object();
  for (const auto& [name, path] : {std::pair<std::string, std::string>{"train", config.data.train},
                                   {"val", config.data.val},
                                   {"test", config.data.test}}) {
    if (path.empty()) continue;
    const data::SplitFingerprint fingerprint = data::fingerprint(family.fingerprint_items(path, run), name);
    splits[name] = data::to_json(fingerprint);
    // The hash, never a path: medical file names often carry patient names.
    log::info("data fingerprint: ", name, " ", fingerprint.files, " files, ", fingerprint.bytes, " bytes, sha256 ",
              fingerprint.sha256);
  }
  run.write_json(kDataFingerprintFile, {{"algorithm", "sha256"}, {"framing", "tessera-1"}, {"splits", splits}});
}

void record_training_data(const run::RunDirectory& run, const config::ExperimentConfig& config, torch::Device device) {
  try {
    write_data_fingerprint(run, config);
  } catch (const UserError& e) {
    log::warn("data fingerprint not written: ", e.what());
  }
  const TaskFamily& family = family_of(config);
  if (!family.image_drift) {
    log::debug("drift reference: skipped, ", family.noun, " run has none");
  } else if (!config.drift.reference) {
    log::debug("drift reference: skipped (drift.reference is off)");
  } else {
    try {
      compute_drift_reference(run, device);
    } catch (const UserError& e) {
      log::warn("drift reference not written: ", e.what());
    }
  }
}

}  // namespace tessera::tasks
