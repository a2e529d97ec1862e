#pragma once
// What a tracker records about a run's settings: the resolved config flattened to MLflow params
// ("optim.lr" -> "0.005", "data.mean" -> "[0.5]"), and the same config as YAML for the run's
// artifacts. Both are PHI-safe: any value that is a file system path (data.train, model.init_weights,
// runtime.output_dir, ... or any string holding a '/') keeps only its last component, the folder
// or file name, since full paths of medical data can name patients. The full config stays in the
// run directory.
#include <map>
#include <string>

#include "tessera/core/config/experiment.h"

namespace tessera::track {

// "data/patients/Doe^John/ct" -> "ct"; "/a/b/" -> "b"; a value without '/' is returned as is.
std::string path_hint(const std::string& value);

// Every leaf of the resolved config, keyed by its dotted path; lists as YAML flow text.
std::map<std::string, std::string> config_params(const config::ExperimentConfig& config);

// The resolved config as YAML with paths reduced by path_hint(), headed by a comment saying so.
std::string shareable_config_yaml(const config::ExperimentConfig& config);

}  // namespace tessera::track
