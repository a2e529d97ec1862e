#include "tessera/track/run_params.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>

namespace tessera::track {
namespace {

// A copy of `node` with every path-like scalar reduced to its last component.
YAML::Node without_paths(const YAML::Node& node) {
  if (node.IsScalar()) return YAML::Node(path_hint(node.Scalar()));
  if (node.IsSequence()) {
    YAML::Node out(YAML::NodeType::Sequence);
    for (const auto& item : node) out.push_back(without_paths(item));
    out.SetStyle(node.Style());
    return out;
  }
  if (node.IsMap()) {
    YAML::Node out(YAML::NodeType::Map);
    for (const auto& item : node) out[item.first.Scalar()] = without_paths(item.second);
    return out;
  }
  return YAML::Node(node);  // null
}

YAML::Node shareable_tree(const config::ExperimentConfig& config) {
  return without_paths(YAML::Load(config::to_yaml(config)));
}

void flatten(const YAML::Node& node, const std::string& prefix, std::map<std::string, std::string>& out) {
  if (node.IsMap()) {
    for (const auto& item : node) {
      flatten(item.second, prefix.empty() ? item.first.Scalar() : prefix + "." + item.first.Scalar(), out);
    }
  } else if (node.IsSequence()) {
    YAML::Emitter text;
    text.SetSeqFormat(YAML::Flow);
    text << node;
    out[prefix] = text.c_str();
  } else {
    out[prefix] = node.IsScalar() ? node.Scalar() : "";
  }
}

}  // namespace

std::string path_hint(const std::string& value) {
  if (value.find('/') == std::string::npos) return value;
  std::filesystem::path path = std::filesystem::path(value).lexically_normal();
  if (!path.has_filename()) path = path.parent_path();  // "a/b/" -> "a/b"
  const std::string name = path.filename().string();
  return name.empty() || name == "/" ? "" : name;
}

std::map<std::string, std::string> config_params(const config::ExperimentConfig& config) {
  std::map<std::string, std::string> params;
  flatten(shareable_tree(config), "", params);
  return params;
}

std::string shareable_config_yaml(const config::ExperimentConfig& config) {
  YAML::Emitter out;
  out << shareable_tree(config);
  return "# The run's resolved config, with file system paths reduced to their last component (the\n"
         "# folder or file name) so that no patient-identifying path leaves the machine. The full\n"
         "# config is config.yaml in the run directory.\n" +
         std::string(out.c_str()) + "\n";
}

}  // namespace tessera::track
