#pragma once
// A writer for MLflow's file store (mlflow/store/tracking/file_store.py, as of mlflow 3.17), so
// a run can be tracked without Python at run time. The layout, which mlflow's own client reads:
//
//   <root>/0/meta.yaml                          the "Default" experiment (created with the store)
//   <root>/.trash/                              deleted experiments
//   <root>/<experiment_id>/meta.yaml            name, artifact_location, lifecycle_stage, ...
//   <root>/<experiment_id>/<run_id>/meta.yaml   run_name, status (1 RUNNING, 3 FINISHED, 4 FAILED,
//                                               5 KILLED), start/end time in ms, artifact_uri
//   .../<run_id>/params/<key>                   the value, as written (immutable once logged)
//   .../<run_id>/tags/<key>                     the value
//   .../<run_id>/metrics/<key>                  "<timestamp_ms> <value> <step>" lines
//   .../<run_id>/artifacts/<name>               files
//
// Experiment ids are 18-digit random integers and run ids uuid4 hex, as mlflow makes them.
// meta.yaml, params, tags and artifacts are written atomically; metric lines are appended with
// one write(2) each, so a killed process leaves whole lines. Nothing here takes a lock except
// experiment creation, which holds flock(2) on the root so two processes never create two
// experiments of the same name.
//
// mlflow 3.x reads a file store only with MLFLOW_ALLOW_FILE_STORE=true in its environment.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace tessera::track {

// mlflow's RunStatus values, as stored in a run's meta.yaml.
enum class RunStatus { running = 1, scheduled = 2, finished = 3, failed = 4, killed = 5 };

// mlflow's limits (mlflow/utils/validation.py): longer params are rejected by its client.
inline constexpr std::size_t kMaxParamKeyLength = 250;
inline constexpr std::size_t kMaxParamValueLength = 6000;
inline constexpr std::size_t kMaxTagValueLength = 8000;

struct MetricPoint {
  std::int64_t timestamp_ms = 0;
  double value = 0.0;
  std::int64_t step = 0;
};

// Milliseconds since the Unix epoch, mlflow's timestamps.
std::int64_t now_ms();

// "file:///abs/path" with the path percent-encoded as Python's pathlib.Path.as_uri() does.
std::string file_uri(const std::filesystem::path& absolute_path);

// One run of the store. Cheap to copy: it holds paths and the run's meta.yaml fields.
class MlflowRun {
 public:
  const std::string& id() const { return run_id_; }
  const std::string& experiment_id() const { return experiment_id_; }
  const std::filesystem::path& path() const { return path_; }
  RunStatus status() const { return status_; }

  // Rewrites meta.yaml; `end_ms` is null while running.
  void set_status(RunStatus status, std::optional<std::int64_t> end_ms);
  // Params are immutable in MLflow: a key already logged keeps its value. Returns false when the
  // key existed with a different value (nothing is written then). Values longer than mlflow's
  // limit are cut to it; UserError for a key mlflow would reject.
  bool log_param(const std::string& key, const std::string& value);
  void set_tag(const std::string& key, const std::string& value);
  void log_metric(const std::string& key, double value, std::int64_t step, std::int64_t timestamp_ms);
  // Every point logged under `key`, in file order (empty when none).
  std::vector<MetricPoint> metric_history(const std::string& key) const;
  // Copies `file` to artifacts/<artifact_path> (a relative path such as "config.yaml").
  void log_artifact(const std::filesystem::path& file, const std::string& artifact_path);
  // Writes `content` as artifacts/<artifact_path>.
  void log_text_artifact(const std::string& content, const std::string& artifact_path);

 private:
  friend class MlflowStore;
  MlflowRun() = default;
  void write_meta() const;

  std::filesystem::path path_;
  std::string run_id_, experiment_id_, run_name_, user_id_, artifact_uri_, lifecycle_stage_ = "active";
  RunStatus status_ = RunStatus::running;
  std::int64_t start_ms_ = 0;
  std::optional<std::int64_t> end_ms_;
};

class MlflowStore {
 public:
  // Opens the store at `root` (made absolute against the current directory), creating the
  // folder, the Default experiment and .trash when absent, as mlflow's FileStore does.
  explicit MlflowStore(const std::filesystem::path& root);

  const std::filesystem::path& root() const { return root_; }
  std::string tracking_uri() const { return file_uri(root_); }

  // The id of the active experiment named `name`; nullopt when there is none. UserError when
  // only a deleted one (in .trash) has that name: mlflow refuses to reuse it.
  std::optional<std::string> find_experiment(const std::string& name) const;
  // find_experiment(), or a new experiment of that name.
  std::string experiment(const std::string& name);

  // A new run in RUNNING state; `run_name` also becomes the mlflow.runName tag.
  MlflowRun create_run(const std::string& experiment_id, const std::string& run_name, std::int64_t start_ms);
  // An existing run; nullopt when its folder or meta.yaml is missing.
  std::optional<MlflowRun> open_run(const std::string& experiment_id, const std::string& run_id) const;

 private:
  void create_experiment_meta(const std::string& id, const std::string& name) const;
  std::filesystem::path root_;
};

}  // namespace tessera::track
