#pragma once
// The whole configuration of a run: one YAML file with these sections. Unknown sections and
// keys are errors; every value is validated where it is declared.
#include <filesystem>
#include <string>
#include <vector>

#include "tessera/core/config/data.h"
#include "tessera/core/config/drift.h"
#include "tessera/core/config/eval.h"
#include "tessera/core/config/infer.h"
#include "tessera/core/config/model.h"
#include "tessera/core/config/optim.h"
#include "tessera/core/config/runtime.h"
#include "tessera/core/config/serve.h"
#include "tessera/core/config/text.h"
#include "tessera/core/config/train.h"

namespace tessera::config {

struct ExperimentConfig {
  RuntimeConfig runtime;
  DataConfig data;
  ModelConfig model;
  OptimConfig optim;
  TrainConfig train;
  EvalConfig eval;
  InferConfig infer;
  TextConfig text;
  DriftConfig drift;
  ServeConfig serve;

  template <class V>
  void visit(V& v) {
    v.field("runtime", runtime);
    v.field("data", data);
    v.field("model", model);
    v.field("optim", optim);
    v.field("train", train);
    v.field("eval", eval);
    v.field("infer", infer, Applies::image_classification);
    v.field("text", text, Applies::language_model);
    v.field("drift", drift, Applies::image_classification);
    v.field("serve", serve);
  }
  void validate(const SectionChecker&) const {}

  // model.name gpt trains a language model on text; every other model classifies images.
  bool is_language_model() const { return model.name == ModelName::gpt; }
  Applies kind() const { return is_language_model() ? Applies::language_model : Applies::image_classification; }
};

// Parses YAML text; `file_name` only labels error messages. Relative data paths stay as written.
ExperimentConfig parse_config(const std::string& text, const std::string& file_name,
                              const std::vector<std::string>& overrides = {});

// A config a run directory saved (config.yaml, a checkpoint's copy): as parse_config, except that
// keys of the other task family are ignored rather than refused (runs saved before the resolved
// config left them out hold them at their defaults). Overrides are checked as in parse_config.
ExperimentConfig parse_saved_config(const std::string& text, const std::string& file_name,
                                    const std::vector<std::string>& overrides = {});

// Reads a config file (UserError naming it when unreadable). When runtime.name is empty it
// becomes the file's stem.
ExperimentConfig load_config(const std::filesystem::path& path, const std::vector<std::string>& overrides = {});

// The resolved config (every default filled in) as YAML; parse_config(to_yaml(c)) == c.
std::string to_yaml(const ExperimentConfig& config);

}  // namespace tessera::config
