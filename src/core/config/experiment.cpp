#include "tessera/core/config/experiment.h"

#include "tessera/core/atomic_file.h"

namespace tessera::config {

namespace {

// The family model.name selects, read ahead of the sections so that each key can be checked
// against it; a malformed model section is left for the reader to report.
std::string model_name_of(const YAML::Node& root) {
  const std::string fallback = to_string(ModelConfig{}.name);
  if (!root.IsMap()) return fallback;
  const YAML::Node model = root["model"];
  if (!model.IsDefined() || !model.IsMap()) return fallback;
  const YAML::Node name = model["name"];
  return name.IsDefined() && name.IsScalar() ? name.Scalar() : fallback;
}

ExperimentConfig parse(const std::string& text, const std::string& file_name, const std::vector<std::string>& overrides,
                       bool saved) {
  auto source = std::make_shared<Source>();
  const YAML::Node root = load_yaml(text, file_name, overrides, *source);
  // An unknown name counts as an image classifier here; the model section then reports it.
  source->model_name = model_name_of(root);
  source->kind = choice_named<ModelName>(source->model_name) == ModelName::gpt ? Applies::language_model
                                                                               : Applies::image_classification;
  source->saved = saved;
  ExperimentConfig config;
  SectionReader reader(root, "", source);
  config.visit(reader);
  reader.reject_unknown_keys();
  return config;
}

}  // namespace

ExperimentConfig parse_config(const std::string& text, const std::string& file_name,
                              const std::vector<std::string>& overrides) {
  return parse(text, file_name, overrides, /*saved=*/false);
}

ExperimentConfig parse_saved_config(const std::string& text, const std::string& file_name,
                                    const std::vector<std::string>& overrides) {
  return parse(text, file_name, overrides, /*saved=*/true);
}

ExperimentConfig load_config(const std::filesystem::path& path, const std::vector<std::string>& overrides) {
  if (!std::filesystem::is_regular_file(path)) throw ConfigError("config file not found: " + path.string());
  ExperimentConfig config = parse_config(read_file(path), path.string(), overrides);
  if (config.runtime.name.empty()) config.runtime.name = path.stem().string();
  return config;
}

std::string to_yaml(const ExperimentConfig& config) {
  YAML::Emitter out;
  // 15 significant digits print what people type (0.1, not 0.10000000000000001) and read back
  // to the same value for any decimal of up to 15 digits.
  out.SetDoublePrecision(15);
  out << YAML::BeginMap;
  SectionWriter writer(out, config.kind());
  ExperimentConfig copy = config;
  copy.visit(writer);
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace tessera::config
