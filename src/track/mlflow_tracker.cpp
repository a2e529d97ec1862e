#include "tessera/track/mlflow_tracker.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "tessera/core/atomic_file.h"
#include "tessera/core/error.h"
#include "tessera/core/logging.h"
#include "tessera/track/mlflow_store.h"
#include "tessera/track/run_params.h"

namespace tessera::track {
namespace fs = std::filesystem;
namespace {

// Files of the run directory worth keeping beside the MLflow run, once they exist. Each is
// PHI-free: class names, a vocabulary, and content hashes.
constexpr const char* kRunFiles[] = {"labels.txt", "tokenizer.json", "data_fingerprint.json"};

struct Link {
  fs::path store;
  std::string experiment_id, run_id;
};

std::optional<Link> read_link(const fs::path& run_dir) {
  const fs::path path = run_dir / kMlflowLinkFile;
  if (!fs::is_regular_file(path)) return std::nullopt;
  try {
    const auto json = nlohmann::json::parse(read_file(path));
    return Link{json.at("store").get<std::string>(), json.at("experiment_id").get<std::string>(),
                json.at("run_id").get<std::string>()};
  } catch (const std::exception& error) {
    log::warn(path.string(), " is unreadable (", error.what(), "); a new MLflow run is started");
    return std::nullopt;
  }
}

void write_link(const fs::path& run_dir, const MlflowStore& store, const MlflowRun& run) {
  const nlohmann::json link = {{"tracking_uri", store.tracking_uri()},
                               {"store", store.root().string()},
                               {"experiment_id", run.experiment_id()},
                               {"run_id", run.id()}};
  write_file_atomic(run_dir / kMlflowLinkFile, link.dump(2) + "\n");
}

// The run a link points at, when its store and run folder are still there.
std::optional<MlflowRun> open_linked(const Link& link) {
  if (!fs::is_regular_file(link.store / link.experiment_id / link.run_id / "meta.yaml")) return std::nullopt;
  return MlflowStore(link.store).open_run(link.experiment_id, link.run_id);
}

// The numeric keys of a JSON object (booleans are not numbers to MLflow either).
std::vector<std::pair<std::string, double>> numbers_of(const nlohmann::json& object) {
  std::vector<std::pair<std::string, double>> out;
  if (!object.is_object()) return out;
  for (const auto& [key, value] : object.items()) {
    if (value.is_number()) out.emplace_back(key, value.get<double>());
  }
  return out;
}

std::vector<nlohmann::json> metrics_records(const fs::path& metrics_path) {
  std::vector<nlohmann::json> records;
  std::ifstream in(metrics_path);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    try {
      records.push_back(nlohmann::json::parse(line));
    } catch (const nlohmann::json::exception&) {
      // a line cut short by a kill: the epoch is repeated on resume anyway
    }
  }
  return records;
}

std::int64_t last_epoch(const fs::path& metrics_path) {
  const auto records = metrics_records(metrics_path);
  for (auto it = records.rbegin(); it != records.rend(); ++it) {
    if (it->contains("epoch") && (*it)["epoch"].is_number_integer()) return (*it)["epoch"].get<std::int64_t>();
  }
  return 0;
}

class NullTracker final : public RunTracker {
 public:
  void started(bool) override {}
  void epoch_finished(const nlohmann::json&) override {}
  void finished(const nlohmann::json&, std::int64_t) override {}
  void failed() override {}
};

class MlflowTracker final : public RunTracker {
 public:
  MlflowTracker(config::ExperimentConfig config, run::RunDirectory run, std::string task_family)
      : config_(std::move(config)), run_dir_(std::move(run)), task_family_(std::move(task_family)) {}

  void started(bool resuming) override {
    const auto link = read_link(run_dir_.path());
    if (link) {
      run_ = open_linked(*link);
      if (!run_) {
        log::warn("the MLflow run ", link->run_id, " named in ", (run_dir_.path() / kMlflowLinkFile).string(),
                  " is gone from ", link->store.string(), "; starting a new MLflow run");
      }
    }
    if (run_) {
      run_->set_status(RunStatus::running, std::nullopt);
    } else {
      if (config_.runtime.mlflow_dir.empty()) return;  // linked once, store gone, tracking now off
      MlflowStore store(config_.runtime.mlflow_dir);
      const std::string experiment = store.experiment(config_.runtime.mlflow_experiment);
      run_ = store.create_run(experiment, run_dir_.path().filename().string(), now_ms());
      write_link(run_dir_.path(), store, *run_);
    }
    log::info("MLflow run ", run_->id(), " (experiment ", run_->experiment_id(), ") in ",
              run_->path().parent_path().parent_path().string());

    for (const auto& [key, value] : config_params(config_)) {
      if (!run_->log_param(key, value)) log::warn("MLflow param ", key, " keeps its first value (params are immutable)");
    }
    run_->set_tag("mlflow.source.name", "tessera");
    run_->set_tag("mlflow.source.type", "LOCAL");
    run_->set_tag("tessera.version", TESSERA_VERSION);
    run_->set_tag("tessera.run_dir", run_dir_.path().filename().string());
    run_->set_tag("tessera.task", task_family_);
    if (resuming) run_->set_tag("tessera.resumed", "true");
    run_->log_text_artifact(shareable_config_yaml(config_), "config.yaml");
    catch_up_metrics();
  }

  void epoch_finished(const nlohmann::json& record) override {
    guarded([&] {
      const std::int64_t step = record.value("epoch", std::int64_t{0});
      const std::int64_t now = now_ms();
      for (const auto& [key, value] : numbers_of(record)) run_->log_metric(key, value, step, now);
      log_run_files();
    });
  }

  void finished(const nlohmann::json& metrics, std::int64_t step) override {
    guarded([&] {
      // Once per key and step: resuming a finished run must not log its summary twice.
      const std::int64_t now = now_ms();
      for (const auto& [key, value] : numbers_of(metrics)) {
        if (!has_step(key, step)) run_->log_metric(key, value, step, now);
      }
      log_run_files();
      run_->set_status(RunStatus::finished, now_ms());
    });
  }

  void failed() override {
    guarded([&] { run_->set_status(RunStatus::failed, now_ms()); });
  }

 private:
  // A tracking failure mid-run is reported once and tracking stops; the training goes on.
  template <class Body>
  void guarded(Body body) {
    if (!run_) return;
    try {
      body();
    } catch (const std::exception& error) {
      log::warn("MLflow tracking stopped: ", error.what());
      run_.reset();
    }
  }

  bool has_step(const std::string& key, std::int64_t step) const {
    for (const auto& point : run_->metric_history(key)) {
      if (point.step == step) return true;
    }
    return false;
  }

  // Logs every metrics.jsonl value the MLflow run lacks: the epochs before a resume when the
  // MLflow run is new, or one whose logging a kill cut short.
  void catch_up_metrics() {
    std::map<std::string, std::set<std::int64_t>> logged;
    std::int64_t added = 0;
    const std::int64_t now = now_ms();
    for (const auto& record : metrics_records(run_dir_.metrics_path())) {
      if (!record.contains("epoch") || !record["epoch"].is_number_integer()) continue;
      const auto step = record["epoch"].get<std::int64_t>();
      for (const auto& [key, value] : numbers_of(record)) {
        auto found = logged.find(key);
        if (found == logged.end()) {
          found = logged.emplace(key, std::set<std::int64_t>{}).first;
          for (const auto& point : run_->metric_history(key)) found->second.insert(point.step);
        }
        if (found->second.insert(step).second) {
          run_->log_metric(key, value, step, now);
          ++added;
        }
      }
    }
    if (added > 0) log::info("MLflow: logged ", added, " earlier metric values from metrics.jsonl");
  }

  void log_run_files() {
    for (const char* name : kRunFiles) {
      const fs::path file = run_dir_.path() / name;
      if (!logged_files_.contains(name) && fs::is_regular_file(file)) {
        run_->log_artifact(file, name);
        logged_files_.insert(name);
      }
    }
  }

  config::ExperimentConfig config_;
  run::RunDirectory run_dir_;
  std::string task_family_;
  std::optional<MlflowRun> run_;
  std::set<std::string> logged_files_;
};

}  // namespace

std::unique_ptr<RunTracker> make_mlflow_tracker(const config::ExperimentConfig& config, const run::RunDirectory& run,
                                                const std::string& task_family) {
  return std::make_unique<MlflowTracker>(config, run, task_family);
}

std::unique_ptr<RunTracker> tracker_for(const config::ExperimentConfig& config, const run::RunDirectory& run,
                                        const std::string& task_family) {
  // A run linked to MLflow stays tracked when resumed, whatever its config says now.
  if (!config.runtime.mlflow_dir.empty() || fs::is_regular_file(run.path() / kMlflowLinkFile)) {
    return make_mlflow_tracker(config, run, task_family);
  }
  return std::make_unique<NullTracker>();
}

std::unique_ptr<RunTracker> null_tracker() { return std::make_unique<NullTracker>(); }

bool record_evaluation(const fs::path& run_dir, const nlohmann::json& report, const std::vector<fs::path>& files) {
  const auto link = read_link(run_dir);
  if (!link) return false;
  try {
    auto run = open_linked(*link);
    if (!run) {
      log::warn("the MLflow run ", link->run_id, " named in ", (run_dir / kMlflowLinkFile).string(),
                " is gone; the evaluation is not tracked");
      return false;
    }
    // The run's last epoch, so these values follow (and, being later, replace) the test_*
    // numbers training logged at the same step.
    const std::int64_t step = last_epoch(run_dir / "metrics.jsonl");
    const std::int64_t now = now_ms();
    for (const auto& [key, value] : numbers_of(report)) run->log_metric("test_" + key, value, step, now);
    for (const auto& [section, object] : report.items()) {
      for (const auto& [key, value] : numbers_of(object)) run->log_metric("test_" + section + "_" + key, value, step, now);
    }
    std::vector<fs::path> artifacts = files;
    if (!files.empty()) {
      const fs::path html = files.front().parent_path() / "report.html";  // written beside report.json
      if (fs::is_regular_file(html) && std::find(files.begin(), files.end(), html) == files.end()) artifacts.push_back(html);
    }
    for (const auto& file : artifacts) {
      if (fs::is_regular_file(file)) run->log_artifact(file, file.filename().string());
    }
    // The run's own files again: a run trained by an older version got data_fingerprint.json
    // only after training had ended.
    for (const char* name : kRunFiles) {
      if (fs::is_regular_file(run_dir / name)) run->log_artifact(run_dir / name, name);
    }
    log::info("MLflow: evaluation logged to run ", run->id());
    return true;
  } catch (const std::exception& error) {
    log::warn("MLflow: the evaluation is not tracked: ", error.what());
    return false;
  }
}

}  // namespace tessera::track
