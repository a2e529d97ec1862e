#include "tessera/core/config/experiment.h"

#include "tessera/core/atomic_file.h"

namespace tessera::config {

ExperimentConfig parse_config(const std::string& text, const std::string& file_name,
                              const std::vector<std::string>& overrides) {
  auto source = std::make_shared<Source>();
  const YAML::Node root = load_yaml(text, file_name, overrides, *source);
  ExperimentConfig config;
  SectionReader reader(root, "", source);
  config.visit(reader);
  reader.reject_unknown_keys();
  return config;
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
  SectionWriter writer(out);
  ExperimentConfig copy = config;
  copy.visit(writer);
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace tessera::config
