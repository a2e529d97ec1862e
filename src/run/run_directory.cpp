#include "tessera/run/run_directory.h"

#include <fstream>
#include <sstream>

#include "tessera/core/atomic_file.h"
#include "tessera/core/error.h"

namespace tessera::run {
namespace fs = std::filesystem;

RunDirectory RunDirectory::create(const config::ExperimentConfig& config) {
  const fs::path output_dir = config.runtime.output_dir;
  const std::string name = config.runtime.name.empty() ? "run" : config.runtime.name;
  std::error_code error;
  fs::create_directories(output_dir, error);
  if (error) throw UserError("cannot create " + output_dir.string() + ": " + error.message());
  for (int suffix = 1;; ++suffix) {
    const fs::path candidate = output_dir / (suffix == 1 ? name : name + "-" + std::to_string(suffix));
    // create_directory returns false when it exists: claim the first free name atomically.
    if (fs::create_directory(candidate, error)) return RunDirectory(candidate);
    if (error == std::errc::file_exists) continue;  // a file (not a folder) of that name: skip it too
    if (error) throw UserError("cannot create " + candidate.string() + ": " + error.message());
  }
}

RunDirectory RunDirectory::open(const fs::path& path) {
  if (!fs::is_directory(path)) throw UserError("run directory not found: " + path.string());
  if (!fs::is_regular_file(path / "config.yaml")) {
    throw UserError(path.string() + " is not a run directory (no config.yaml); pass the folder `tessera train` created");
  }
  return RunDirectory(path);
}

std::optional<fs::path> RunDirectory::latest(const fs::path& output_dir, const std::string& name) {
  std::optional<fs::path> best;
  fs::file_time_type best_time{};
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(output_dir, error)) {
    const std::string stem = entry.path().filename().string();
    // name itself, or name-N with at least one digit and nothing else after the dash.
    const bool matches = stem == name || (stem.size() > name.size() + 1 && stem.starts_with(name + "-") &&
                                          stem.find_first_not_of("0123456789", name.size() + 1) == std::string::npos);
    if (!matches || !fs::is_regular_file(entry.path() / "config.yaml")) continue;
    const auto time = fs::last_write_time(entry.path() / "config.yaml");
    if (!best || time > best_time) {
      best = entry.path();
      best_time = time;
    }
  }
  return best;
}

void RunDirectory::write_config(const config::ExperimentConfig& config) const {
  write_file_atomic(config_path(), config::to_yaml(config));
}

config::ExperimentConfig RunDirectory::read_config() const {
  return config::parse_saved_config(read_file(config_path()), config_path().string());
}

void RunDirectory::write_labels(const std::vector<std::string>& labels) const {
  std::string text;
  for (const auto& label : labels) text += label + "\n";
  write_file_atomic(labels_path(), text);
}

std::vector<std::string> RunDirectory::read_labels() const {
  std::istringstream in(read_file(labels_path()));
  std::vector<std::string> labels;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) labels.push_back(line);
  }
  if (labels.empty()) throw UserError(labels_path().string() + " lists no classes");
  return labels;
}

void RunDirectory::append_metrics(const nlohmann::json& record) const {
  std::ofstream out(metrics_path(), std::ios::app);
  out << record.dump() << "\n";
  out.flush();
  if (!out) throw UserError("cannot append to " + metrics_path().string());
}

void RunDirectory::write_json(const std::string& file_name, const nlohmann::json& value) const {
  write_file_atomic(path_ / file_name, value.dump(2) + "\n");
}

}  // namespace tessera::run
