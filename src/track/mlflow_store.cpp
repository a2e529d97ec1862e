#include "tessera/track/mlflow_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>
#include <sstream>

#include "tessera/core/atomic_file.h"
#include "tessera/core/error.h"

namespace tessera::track {
namespace fs = std::filesystem;
namespace {

constexpr const char* kMeta = "meta.yaml";
constexpr const char* kTrash = ".trash";

// A YAML double-quoted scalar: JSON's string escapes are valid YAML, and quoting keeps ids such
// as '0' strings when PyYAML reads them back.
std::string quoted(const std::string& value) { return nlohmann::json(value).dump(); }

std::string yaml_int_or_null(const std::optional<std::int64_t>& value) {
  return value ? std::to_string(*value) : std::string("null");
}

// mlflow's validate_param_and_metric_name + path_not_unique: the key becomes a file name.
void check_key(const std::string& kind, const std::string& key) {
  const bool characters_ok =
      !key.empty() && key.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./- :") ==
                          std::string::npos;
  const std::string normal = fs::path(key).lexically_normal().generic_string();
  if (!characters_ok || normal != key || key == "." || key.starts_with("..") || key.starts_with("/")) {
    throw UserError("MLflow " + kind + " name '" + key +
                    "' is invalid (letters, digits, _ - . : / and spaces, no empty or relative path parts)");
  }
}

// Python's repr of a float for the common cases ("3.0", "0.25", "1e-20", "nan", "inf"), which
// is what mlflow writes; float() reads any of them back exactly.
std::string format_value(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  std::array<char, 64> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  std::string text(buffer.data(), result.ptr);
  if (text.find_first_of(".en") == std::string::npos) text += ".0";
  return text;
}

// Appends one line with a single write(2) on an O_APPEND descriptor: concurrent or killed
// writers never interleave or leave half a line before it.
void append_line(const fs::path& path, const std::string& line) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw UserError("cannot append to " + path.string() + ": " + std::strerror(errno));
  const ssize_t written = ::write(fd, line.data(), line.size());
  const int error = errno;
  ::close(fd);
  if (written != static_cast<ssize_t>(line.size())) {
    throw UserError("cannot append to " + path.string() + ": " + std::strerror(error));
  }
}

std::mt19937_64& rng() {
  thread_local std::mt19937_64 generator{[] {
    std::random_device device;
    return (static_cast<std::uint64_t>(device()) << 32) ^ device() ^
           static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  }()};
  return generator;
}

// uuid.uuid4().hex: 32 lowercase hex digits with the version (4) and variant (10xx) bits set.
std::string uuid4_hex() {
  std::array<std::uint8_t, 16> bytes{};
  for (std::size_t i = 0; i < bytes.size(); i += 8) {
    const std::uint64_t word = rng()();
    for (std::size_t j = 0; j < 8; ++j) bytes[i + j] = static_cast<std::uint8_t>(word >> (8 * j));
  }
  bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0F) | 0x40);
  bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3F) | 0x80);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (const auto byte : bytes) {
    out += hex[byte >> 4];
    out += hex[byte & 0x0F];
  }
  return out;
}

// mlflow's _generate_unique_integer_id: 18 decimal digits without a leading zero.
std::string experiment_id() {
  std::uniform_int_distribution<int> first(1, 9), digit(0, 9);
  std::string id(1, static_cast<char>('0' + first(rng())));
  while (id.size() < 18) id += static_cast<char>('0' + digit(rng()));
  return id;
}

// getpass.getuser(), which mlflow records as a run's user_id.
std::string user_name() {
  for (const char* variable : {"LOGNAME", "USER", "LNAME", "USERNAME"}) {
    if (const char* value = std::getenv(variable); value && *value) return value;
  }
  return "unknown";
}

YAML::Node read_meta(const fs::path& dir) {
  const fs::path path = dir / kMeta;
  if (!fs::is_regular_file(path)) return {};
  try {
    return YAML::LoadFile(path.string());
  } catch (const YAML::Exception&) {
    return {};  // mlflow skips malformed experiments too
  }
}

// Holds flock(2) on a directory for the scope.
class DirectoryLock {
 public:
  explicit DirectoryLock(const fs::path& dir) : fd_(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
    if (fd_ < 0 || ::flock(fd_, LOCK_EX) != 0) {
      throw UserError("cannot lock the MLflow store " + dir.string() + ": " + std::strerror(errno));
    }
  }
  ~DirectoryLock() {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;

 private:
  int fd_;
};

}  // namespace

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string file_uri(const fs::path& absolute_path) {
  // pathlib's as_uri() quotes everything but unreserved characters and '/'.
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string uri = "file://";
  for (const unsigned char c : absolute_path.generic_string()) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
      uri += static_cast<char>(c);
    } else {
      uri += '%';
      uri += hex[c >> 4];
      uri += hex[c & 0x0F];
    }
  }
  return uri;
}

// ---- MlflowRun ----------------------------------------------------------------------------

void MlflowRun::write_meta() const {
  // The keys and order of mlflow's _make_persisted_run_info_dict, dumped with sort_keys.
  std::ostringstream yaml;
  yaml << "artifact_uri: " << quoted(artifact_uri_) << "\n"
       << "deleted_time: null\n"
       << "end_time: " << yaml_int_or_null(end_ms_) << "\n"
       << "entry_point_name: ''\n"
       << "experiment_id: " << quoted(experiment_id_) << "\n"
       << "lifecycle_stage: " << quoted(lifecycle_stage_) << "\n"
       << "run_id: " << quoted(run_id_) << "\n"
       << "run_name: " << quoted(run_name_) << "\n"
       << "source_name: ''\n"
       << "source_type: 4\n"  // SourceType.LOCAL
       << "source_version: ''\n"
       << "start_time: " << start_ms_ << "\n"
       << "status: " << static_cast<int>(status_) << "\n"
       << "tags: []\n"
       << "user_id: " << quoted(user_id_) << "\n";
  write_file_atomic(path_ / kMeta, yaml.str());
}

void MlflowRun::set_status(RunStatus status, std::optional<std::int64_t> end_ms) {
  status_ = status;
  end_ms_ = end_ms;
  write_meta();
}

bool MlflowRun::log_param(const std::string& key, const std::string& value) {
  check_key("param", key);
  if (key.size() > kMaxParamKeyLength) {
    throw UserError("MLflow param name '" + key + "' is longer than " + std::to_string(kMaxParamKeyLength) + " characters");
  }
  const std::string stored = value.substr(0, kMaxParamValueLength);
  const fs::path path = path_ / "params" / key;
  if (fs::exists(path)) return read_file(path) == stored;
  write_file_atomic(path, stored);
  return true;
}

void MlflowRun::set_tag(const std::string& key, const std::string& value) {
  check_key("tag", key);
  write_file_atomic(path_ / "tags" / key, value.substr(0, kMaxTagValueLength));
}

void MlflowRun::log_metric(const std::string& key, double value, std::int64_t step, std::int64_t timestamp_ms) {
  check_key("metric", key);
  const fs::path path = path_ / "metrics" / key;
  if (key.find('/') != std::string::npos) fs::create_directories(path.parent_path());
  append_line(path, std::to_string(timestamp_ms) + " " + format_value(value) + " " + std::to_string(step) + "\n");
}

std::vector<MetricPoint> MlflowRun::metric_history(const std::string& key) const {
  check_key("metric", key);
  std::vector<MetricPoint> points;
  const fs::path path = path_ / "metrics" / key;
  if (!fs::is_regular_file(path)) return points;
  std::istringstream lines(read_file(path));
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string timestamp, value, step;
    if (!(fields >> timestamp >> value)) continue;  // a blank line
    fields >> step;
    MetricPoint point;
    try {
      point.timestamp_ms = std::stoll(timestamp);
      point.value = std::strtod(value.c_str(), nullptr);  // reads nan and inf as well
      point.step = step.empty() ? 0 : std::stoll(step);
    } catch (const std::exception&) {
      throw UserError(path.string() + ": malformed metric line '" + line + "'");
    }
    points.push_back(point);
  }
  return points;
}

void MlflowRun::log_artifact(const fs::path& file, const std::string& artifact_path) {
  check_key("artifact", artifact_path);
  write_atomic_with(path_ / "artifacts" / artifact_path, [&](const fs::path& tmp) {
    std::error_code error;
    fs::copy_file(file, tmp, fs::copy_options::overwrite_existing, error);
    if (error) throw UserError("cannot copy " + file.string() + " into the MLflow run: " + error.message());
  });
}

void MlflowRun::log_text_artifact(const std::string& content, const std::string& artifact_path) {
  check_key("artifact", artifact_path);
  write_file_atomic(path_ / "artifacts" / artifact_path, content);
}

// ---- MlflowStore --------------------------------------------------------------------------

MlflowStore::MlflowStore(const fs::path& root) : root_(fs::absolute(root).lexically_normal()) {
  if (!root_.has_filename()) root_ = root_.parent_path();  // no trailing '/'
  std::error_code error;
  if (!fs::exists(root_ / "0" / kMeta)) {
    fs::create_directories(root_ / "0", error);
    if (error) throw UserError("cannot create the MLflow store " + root_.string() + ": " + error.message());
    const DirectoryLock lock(root_);
    if (!fs::exists(root_ / "0" / kMeta)) create_experiment_meta("0", "Default");
  }
  fs::create_directories(root_ / kTrash, error);
  if (error) throw UserError("cannot create " + (root_ / kTrash).string() + ": " + error.message());
}

void MlflowStore::create_experiment_meta(const std::string& id, const std::string& name) const {
  const std::int64_t now = now_ms();
  std::ostringstream yaml;
  yaml << "artifact_location: " << quoted(file_uri(root_ / id)) << "\n"
       << "creation_time: " << now << "\n"
       << "effective_trace_archival_retention: null\n"
       << "experiment_id: " << quoted(id) << "\n"
       << "last_update_time: " << now << "\n"
       << "lifecycle_stage: active\n"
       << "name: " << quoted(name) << "\n"
       << "trace_location: null\n"
       << "workspace: default\n";
  write_file_atomic(root_ / id / kMeta, yaml.str());
}

std::optional<std::string> MlflowStore::find_experiment(const std::string& name) const {
  bool deleted = false;
  for (const fs::path& folder : {root_, root_ / kTrash}) {
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(folder, error)) {
      if (!entry.is_directory() || entry.path().filename() == kTrash) continue;
      const YAML::Node meta = read_meta(entry.path());
      if (!meta || !meta["name"] || meta["name"].as<std::string>() != name) continue;
      const bool active = folder == root_ && (!meta["lifecycle_stage"] || meta["lifecycle_stage"].as<std::string>() == "active");
      if (active) return entry.path().filename().string();
      deleted = true;
    }
  }
  if (deleted) {
    throw UserError("runtime.mlflow_experiment: the experiment '" + name + "' in " + root_.string() +
                    " is deleted; restore it with mlflow or choose another name");
  }
  return std::nullopt;
}

std::string MlflowStore::experiment(const std::string& name) {
  if (auto id = find_experiment(name)) return *id;
  const DirectoryLock lock(root_);
  if (auto id = find_experiment(name)) return *id;  // another process created it meanwhile
  for (;;) {
    const std::string id = experiment_id();
    std::error_code error;
    if (fs::create_directory(root_ / id, error)) {
      create_experiment_meta(id, name);
      return id;
    }
    if (error && error != std::errc::file_exists) {
      throw UserError("cannot create an experiment in " + root_.string() + ": " + error.message());
    }
  }
}

MlflowRun MlflowStore::create_run(const std::string& experiment_id, const std::string& run_name, std::int64_t start_ms) {
  if (!fs::is_regular_file(root_ / experiment_id / kMeta)) {
    throw UserError("MLflow experiment " + experiment_id + " not found in " + root_.string());
  }
  MlflowRun run;
  for (;;) {
    run.run_id_ = uuid4_hex();
    run.path_ = root_ / experiment_id / run.run_id_;
    std::error_code error;
    if (fs::create_directory(run.path_, error)) break;
    if (error && error != std::errc::file_exists) {
      throw UserError("cannot create " + run.path_.string() + ": " + error.message());
    }
  }
  run.experiment_id_ = experiment_id;
  run.run_name_ = run_name;
  run.user_id_ = user_name();
  run.artifact_uri_ = file_uri(run.path_ / "artifacts");
  run.start_ms_ = start_ms;
  run.status_ = RunStatus::running;
  for (const char* folder : {"metrics", "params", "artifacts", "tags"}) fs::create_directories(run.path_ / folder);
  run.write_meta();
  run.set_tag("mlflow.runName", run_name);
  return run;
}

std::optional<MlflowRun> MlflowStore::open_run(const std::string& experiment_id, const std::string& run_id) const {
  const fs::path path = root_ / experiment_id / run_id;
  const YAML::Node meta = read_meta(path);
  if (!meta || !meta["run_id"] || meta["run_id"].as<std::string>() != run_id) return std::nullopt;
  MlflowRun run;
  run.path_ = path;
  run.run_id_ = run_id;
  run.experiment_id_ = experiment_id;
  run.run_name_ = meta["run_name"] ? meta["run_name"].as<std::string>() : "";
  run.user_id_ = meta["user_id"] ? meta["user_id"].as<std::string>() : user_name();
  run.artifact_uri_ = meta["artifact_uri"] ? meta["artifact_uri"].as<std::string>() : file_uri(path / "artifacts");
  run.lifecycle_stage_ = meta["lifecycle_stage"] ? meta["lifecycle_stage"].as<std::string>() : "active";
  run.start_ms_ = meta["start_time"] && !meta["start_time"].IsNull() ? meta["start_time"].as<std::int64_t>() : now_ms();
  if (meta["end_time"] && !meta["end_time"].IsNull()) run.end_ms_ = meta["end_time"].as<std::int64_t>();
  run.status_ = static_cast<RunStatus>(meta["status"] ? meta["status"].as<int>() : 1);
  for (const char* folder : {"metrics", "params", "artifacts", "tags"}) fs::create_directories(path / folder);
  return run;
}

}  // namespace tessera::track
