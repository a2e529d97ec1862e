// What the MLflow tracker writes, read back by MLflow's own client (tests/track/mlflow_dump.py):
// the experiment by name, the run, its params, tags, status, metric histories, last values and
// artifacts, through a normal run, a failure, a resume and an evaluation.
#include <gtest/gtest.h>

#include "support/temp_dir.h"
#include "tessera/core/atomic_file.h"
#include "tessera/track/mlflow_store.h"
#include "tessera/track/mlflow_tracker.h"
#include "tessera/track/run_params.h"
#include "track/mlflow_client.h"

namespace tessera::track {
namespace {
namespace fs = std::filesystem;
using tessera::testing::TempDir;
using testing::mlflow_read;
using testing::mlflow_unavailable;
using testing::steps_of;

#define SKIP_WITHOUT_MLFLOW() \
  if (!mlflow_unavailable().empty()) GTEST_SKIP() << "MLflow's client is the peer here: " << mlflow_unavailable()

config::ExperimentConfig make_config(const TempDir& dir) {
  auto config = config::parse_config("runtime: {name: digits, mlflow_dir: " + (dir / "mlruns").string() +
                                         ", mlflow_experiment: unit}\n"
                                         "data: {train: " + (dir / "data" / "train").string() + ", channels: 1, mean: [0.5], std: [0.5]}\n"
                                         "optim: {lr: 0.005}\ntrain: {epochs: 4}\n",
                                     "digits.yaml");
  config.runtime.output_dir = (dir / "models").string();
  return config;
}

nlohmann::json epoch_record(std::int64_t epoch) {
  return {{"epoch", epoch},
          {"step", epoch * 10},
          {"lr", 0.005 / static_cast<double>(epoch)},
          {"train_loss", 1.0 / static_cast<double>(epoch)},
          {"val_accuracy", 0.5 + 0.1 * static_cast<double>(epoch)},
          {"note", "not a number"},
          {"flag", true}};
}

// Trains "epochs" first..last of a fake run: metrics.jsonl first, then the tracker, as the trainer does.
void log_epochs(RunTracker& tracker, const run::RunDirectory& run, std::int64_t first, std::int64_t last) {
  for (std::int64_t epoch = first; epoch <= last; ++epoch) {
    run.append_metrics(epoch_record(epoch));
    tracker.epoch_finished(epoch_record(epoch));
  }
}

const nlohmann::json& only_run(const nlohmann::json& dump) {
  EXPECT_EQ(dump["runs"].size(), 1u) << dump.dump(1);
  return dump["runs"][0];
}

void expect_epoch_history(const nlohmann::json& run, std::int64_t epochs) {
  std::vector<std::int64_t> expected;
  for (std::int64_t e = 1; e <= epochs; ++e) expected.push_back(e);
  for (const char* key : {"epoch", "step", "lr", "train_loss", "val_accuracy"}) {
    EXPECT_EQ(steps_of(run, key), expected) << key;
  }
  for (std::int64_t e = 1; e <= epochs; ++e) {
    const auto& point = run["history"]["val_accuracy"][e - 1];
    EXPECT_EQ(point[1].get<double>(), epoch_record(e)["val_accuracy"].get<double>()) << "bit-exact, epoch " << e;
  }
  EXPECT_EQ(run["metrics"]["val_accuracy"].get<double>(), epoch_record(epochs)["val_accuracy"].get<double>());
  EXPECT_EQ(run["metrics"]["step"].get<double>(), static_cast<double>(epochs * 10));
  EXPECT_FALSE(run["metrics"].contains("note"));
  EXPECT_FALSE(run["metrics"].contains("flag"));
}

TEST(MlflowClient, ReadsBackAFinishedRun) {
  SKIP_WITHOUT_MLFLOW();
  TempDir dir("mlflow");
  const auto config = make_config(dir);
  const auto run = run::RunDirectory::create(config);
  run.write_config(config);
  run.write_labels({"cat", "dog"});
  const auto tracker = tracker_for(config, run, "classification");
  tracker->started(false);
  log_epochs(*tracker, run, 1, 3);
  tracker->finished({{"best_epoch", 2}, {"best_val_accuracy", 0.7}, {"test_accuracy", 0.625}}, 3);

  const auto dump = mlflow_read(dir / "mlruns", "unit");
  EXPECT_EQ(dump["experiments"], nlohmann::json({"Default", "unit"}));
  ASSERT_FALSE(dump["experiment"].is_null());
  const auto& got = only_run(dump);
  const auto link = nlohmann::json::parse(read_file(run.path() / kMlflowLinkFile));
  EXPECT_EQ(got["run_id"], link["run_id"]);
  EXPECT_EQ(dump["experiment"]["id"], link["experiment_id"]);
  EXPECT_EQ(got["run_name"], "digits");
  EXPECT_EQ(got["status"], "FINISHED");
  EXPECT_GE(got["end_time"].get<std::int64_t>(), got["start_time"].get<std::int64_t>());

  nlohmann::json expected_params = nlohmann::json::object();
  for (const auto& [key, value] : config_params(config)) expected_params[key] = value;
  EXPECT_EQ(got["params"], expected_params);
  EXPECT_EQ(got["params"]["optim.lr"], "0.005");
  EXPECT_EQ(got["params"]["data.train"], "train");
  EXPECT_EQ(got["tags"]["mlflow.runName"], "digits");
  EXPECT_EQ(got["tags"]["mlflow.source.name"], "tessera");
  EXPECT_EQ(got["tags"]["tessera.version"], TESSERA_VERSION);
  EXPECT_EQ(got["tags"]["tessera.run_dir"], "digits");
  EXPECT_EQ(got["tags"]["tessera.task"], "classification");
  for (const auto& [key, value] : got["tags"].items()) {
    EXPECT_EQ(value.get<std::string>().find(dir.path().string()), std::string::npos) << key << ": no full paths";
  }
  for (const auto& [key, value] : got["params"].items()) {
    EXPECT_EQ(value.get<std::string>().find('/'), std::string::npos) << key << ": no paths";
  }

  expect_epoch_history(got, 3);
  EXPECT_EQ(got["metrics"]["best_epoch"].get<double>(), 2.0);
  EXPECT_EQ(steps_of(got, "best_val_accuracy"), std::vector<std::int64_t>{3});
  EXPECT_EQ(got["metrics"]["test_accuracy"].get<double>(), 0.625);
  EXPECT_EQ(got["artifacts"], nlohmann::json({"config.yaml", "labels.txt"}));
}

TEST(MlflowClient, AFailureIsMarkedFailed) {
  SKIP_WITHOUT_MLFLOW();
  TempDir dir("mlflow");
  const auto config = make_config(dir);
  const auto run = run::RunDirectory::create(config);
  run.write_config(config);
  const auto tracker = tracker_for(config, run, "classification");
  tracker->started(false);
  log_epochs(*tracker, run, 1, 1);
  tracker->failed();
  const auto dump = mlflow_read(dir / "mlruns", "unit");
  const auto& got = only_run(dump);
  EXPECT_EQ(got["status"], "FAILED");
  EXPECT_FALSE(got["end_time"].is_null());
}

TEST(MlflowClient, AResumedRunContinuesTheSameMlflowRunWithoutGapsOrRepeats) {
  SKIP_WITHOUT_MLFLOW();
  TempDir dir("mlflow");
  const auto config = make_config(dir);
  const auto run = run::RunDirectory::create(config);
  run.write_config(config);
  {
    const auto tracker = tracker_for(config, run, "classification");
    tracker->started(false);
    log_epochs(*tracker, run, 1, 2);
    // SIGKILL after epoch 3 reached metrics.jsonl but before the tracker heard of it: no
    // finished(), no failed().
    run.append_metrics(epoch_record(3));
  }
  {
    const auto dump = mlflow_read(dir / "mlruns", "unit");
    const auto& got = only_run(dump);
    EXPECT_EQ(got["status"], "RUNNING");
    EXPECT_EQ(steps_of(got, "val_accuracy"), (std::vector<std::int64_t>{1, 2}));
  }
  // `train --resume` goes through the run's own config; a second tracker for the same run.
  const auto resumed = tracker_for(run.read_config(), run, "classification");
  resumed->started(true);
  log_epochs(*resumed, run, 4, 4);
  resumed->finished({{"best_epoch", 4}}, 4);
  // Resuming the finished run again logs nothing new.
  const auto again = tracker_for(run.read_config(), run, "classification");
  again->started(true);
  again->finished({{"best_epoch", 4}}, 4);

  const auto dump = mlflow_read(dir / "mlruns", "unit");
  const auto& got = only_run(dump);
  EXPECT_EQ(got["status"], "FINISHED");
  EXPECT_EQ(got["tags"]["tessera.resumed"], "true");
  expect_epoch_history(got, 4);
  EXPECT_EQ(steps_of(got, "best_epoch"), std::vector<std::int64_t>{4});
}

TEST(MlflowClient, AnEvaluationAddsTestMetricsAndReports) {
  SKIP_WITHOUT_MLFLOW();
  TempDir dir("mlflow");
  const auto config = make_config(dir);
  const auto run = run::RunDirectory::create(config);
  run.write_config(config);
  const auto tracker = tracker_for(config, run, "classification");
  tracker->started(false);
  log_epochs(*tracker, run, 1, 2);
  tracker->finished({{"test_accuracy", 0.5}, {"test_loss", 0.9}}, 2);

  const nlohmann::json report = {{"accuracy", 0.75},
                                 {"loss", 0.4},
                                 {"count", 8},
                                 {"precision", "fp32"},
                                 {"calibration", {{"bins", 15}, {"ece", 0.125}, {"table", nlohmann::json::array()}}},
                                 {"per_class", nlohmann::json::array()}};
  tessera::testing::write_text(dir / "eval" / "report.json", report.dump());
  tessera::testing::write_text(dir / "eval" / "confusion.csv", ",pred_cat\n");
  tessera::testing::write_text(dir / "eval" / "report.html", "<html></html>");
  EXPECT_TRUE(record_evaluation(run.path(), report, {dir / "eval" / "report.json", dir / "eval" / "confusion.csv"}));

  const auto dump = mlflow_read(dir / "mlruns", "unit");
  const auto& got = only_run(dump);
  // Same step as training's own test pass, logged later: the evaluation is the latest value.
  EXPECT_EQ(got["metrics"]["test_accuracy"].get<double>(), 0.75);
  EXPECT_EQ(steps_of(got, "test_accuracy"), (std::vector<std::int64_t>{2, 2}));
  EXPECT_EQ(got["metrics"]["test_loss"].get<double>(), 0.4);
  EXPECT_EQ(got["metrics"]["test_count"].get<double>(), 8.0);
  EXPECT_EQ(got["metrics"]["test_calibration_ece"].get<double>(), 0.125);
  EXPECT_FALSE(got["metrics"].contains("test_precision"));
  EXPECT_EQ(got["artifacts"], nlohmann::json({"config.yaml", "confusion.csv", "report.html", "report.json"}));

  // A run trained without tracking has nothing to add to.
  TempDir other("plain");
  EXPECT_FALSE(record_evaluation(other.path(), report, {}));
}

}  // namespace
}  // namespace tessera::track
