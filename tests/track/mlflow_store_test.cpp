// The MLflow file-store writer against hand-written expectations of mlflow's layout
// (mlflow/store/tracking/file_store.py); mlflow_client_test.cpp reads the same with mlflow.
#include "tessera/track/mlflow_store.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <regex>
#include <set>
#include <thread>

#include "support/temp_dir.h"
#include "tessera/core/atomic_file.h"
#include "tessera/core/error.h"

namespace tessera::track {
namespace {
namespace fs = std::filesystem;
using tessera::testing::TempDir;

TEST(MlflowStore, ANewStoreHoldsTheDefaultExperimentAndTrash) {
  TempDir dir("mlflow");
  const MlflowStore store(dir / "mlruns");
  EXPECT_EQ(store.root(), dir / "mlruns");
  EXPECT_TRUE(fs::is_directory(dir / "mlruns" / ".trash"));
  const YAML::Node meta = YAML::LoadFile((dir / "mlruns" / "0" / "meta.yaml").string());
  EXPECT_EQ(meta["name"].as<std::string>(), "Default");
  EXPECT_EQ(meta["experiment_id"].as<std::string>(), "0");
  EXPECT_EQ(meta["experiment_id"].Tag(), "!");  // quoted: PyYAML reads a string, not the int 0
  EXPECT_EQ(meta["lifecycle_stage"].as<std::string>(), "active");
  EXPECT_EQ(meta["artifact_location"].as<std::string>(), "file://" + (dir / "mlruns" / "0").string());
  // Opening it again changes nothing.
  const std::string before = read_file(dir / "mlruns" / "0" / "meta.yaml");
  const MlflowStore again(dir / "mlruns/");
  EXPECT_EQ(again.root(), dir / "mlruns");
  EXPECT_EQ(read_file(dir / "mlruns" / "0" / "meta.yaml"), before);
}

TEST(MlflowStore, ExperimentsAreFoundByNameOrCreatedWithMlflowStyleIds) {
  TempDir dir("mlflow");
  MlflowStore store(dir / "mlruns");
  EXPECT_FALSE(store.find_experiment("tessera"));
  const std::string id = store.experiment("tessera");
  EXPECT_TRUE(std::regex_match(id, std::regex("[1-9][0-9]{17}"))) << id;
  EXPECT_EQ(store.experiment("tessera"), id);
  EXPECT_EQ(MlflowStore(dir / "mlruns").find_experiment("tessera"), id);
  EXPECT_EQ(store.find_experiment("Default"), "0");
  const std::string other = store.experiment("tessera ablations: lr");
  EXPECT_NE(other, id);
  const YAML::Node meta = YAML::LoadFile((dir / "mlruns" / other / "meta.yaml").string());
  EXPECT_EQ(meta["name"].as<std::string>(), "tessera ablations: lr");
}

TEST(MlflowStore, ConcurrentCreatorsAgreeOnOneExperiment) {
  TempDir dir("mlflow");
  MlflowStore(dir / "mlruns");
  std::vector<std::string> ids(8);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    threads.emplace_back([&, i] { ids[i] = MlflowStore(dir / "mlruns").experiment("shared"); });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 1u);
  int experiments = 0;
  for (const auto& entry : fs::directory_iterator(dir / "mlruns")) experiments += entry.path().filename() != ".trash";
  EXPECT_EQ(experiments, 2);  // Default and "shared"
}

TEST(MlflowStore, ADeletedExperimentNameIsNotReused) {
  TempDir dir("mlflow");
  MlflowStore store(dir / "mlruns");
  const std::string id = store.experiment("old");
  fs::rename(dir / "mlruns" / id, dir / "mlruns" / ".trash" / id);  // what mlflow's delete_experiment does
  EXPECT_THROW(store.experiment("old"), UserError);
}

TEST(MlflowStore, RunsHaveTheFileStoreLayout) {
  TempDir dir("mlflow");
  MlflowStore store(dir / "mlruns");
  const std::string experiment = store.experiment("tessera");
  MlflowRun run = store.create_run(experiment, "digits-2", 1700000000123);
  EXPECT_TRUE(std::regex_match(run.id(), std::regex("[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}"))) << run.id();
  EXPECT_EQ(run.path(), dir / "mlruns" / experiment / run.id());
  for (const char* folder : {"metrics", "params", "tags", "artifacts"}) EXPECT_TRUE(fs::is_directory(run.path() / folder));
  EXPECT_EQ(read_file(run.path() / "tags" / "mlflow.runName"), "digits-2");

  YAML::Node meta = YAML::LoadFile((run.path() / "meta.yaml").string());
  EXPECT_EQ(meta["run_id"].as<std::string>(), run.id());
  EXPECT_EQ(meta["run_name"].as<std::string>(), "digits-2");
  EXPECT_EQ(meta["experiment_id"].as<std::string>(), experiment);
  EXPECT_EQ(meta["status"].as<int>(), 1);
  EXPECT_EQ(meta["start_time"].as<std::int64_t>(), 1700000000123);
  EXPECT_TRUE(meta["end_time"].IsNull());
  EXPECT_EQ(meta["lifecycle_stage"].as<std::string>(), "active");
  EXPECT_EQ(meta["artifact_uri"].as<std::string>(), "file://" + (run.path() / "artifacts").string());

  run.set_status(RunStatus::finished, 1700000009999);
  meta = YAML::LoadFile((run.path() / "meta.yaml").string());
  EXPECT_EQ(meta["status"].as<int>(), 3);
  EXPECT_EQ(meta["end_time"].as<std::int64_t>(), 1700000009999);
  EXPECT_EQ(meta["start_time"].as<std::int64_t>(), 1700000000123);

  const auto reopened = store.open_run(experiment, run.id());
  ASSERT_TRUE(reopened);
  EXPECT_EQ(reopened->status(), RunStatus::finished);
  EXPECT_FALSE(store.open_run(experiment, "0123456789abcdef0123456789abcdef"));
}

TEST(MlflowStore, MetricsAreLinesOfTimestampValueStep) {
  TempDir dir("mlflow");
  MlflowStore store(dir / "mlruns");
  MlflowRun run = store.create_run(store.experiment("tessera"), "r", 1);
  run.log_metric("val_loss", 0.25, 1, 1000);
  run.log_metric("val_loss", 3.0, 2, 1001);
  run.log_metric("val_loss", 0.1, 3, 1002);
  run.log_metric("val_loss", std::nan(""), 4, 1003);
  run.log_metric("val_loss", 1e-20, 5, 1004);
  run.log_metric("epoch", 7, 7, 1005);
  // Python's float repr, as mlflow writes them.
  EXPECT_EQ(read_file(run.path() / "metrics" / "val_loss"),
            "1000 0.25 1\n1001 3.0 2\n1002 0.1 3\n1003 nan 4\n1004 1e-20 5\n");
  EXPECT_EQ(read_file(run.path() / "metrics" / "epoch"), "1005 7.0 7\n");
  const auto history = run.metric_history("val_loss");
  ASSERT_EQ(history.size(), 5u);
  EXPECT_EQ(history[2].timestamp_ms, 1002);
  EXPECT_EQ(history[2].value, 0.1);  // bit-exact round trip
  EXPECT_EQ(history[2].step, 3);
  EXPECT_TRUE(std::isnan(history[3].value));
  EXPECT_TRUE(run.metric_history("absent").empty());
  EXPECT_THROW(run.log_metric("../escape", 1.0, 0, 0), UserError);
  EXPECT_THROW(run.log_metric("a//b", 1.0, 0, 0), UserError);
  EXPECT_THROW(run.log_metric("bad;name", 1.0, 0, 0), UserError);
}

TEST(MlflowStore, ParamsAreImmutableAndCutToMlflowsLimit) {
  TempDir dir("mlflow");
  MlflowStore store(dir / "mlruns");
  MlflowRun run = store.create_run(store.experiment("tessera"), "r", 1);
  EXPECT_TRUE(run.log_param("optim.lr", "0.005"));
  EXPECT_TRUE(run.log_param("optim.lr", "0.005"));
  EXPECT_FALSE(run.log_param("optim.lr", "0.1"));
  EXPECT_EQ(read_file(run.path() / "params" / "optim.lr"), "0.005");
  EXPECT_TRUE(run.log_param("long", std::string(7000, 'x')));
  EXPECT_EQ(read_file(run.path() / "params" / "long").size(), kMaxParamValueLength);
  EXPECT_THROW(run.log_param(std::string(251, 'k'), "v"), UserError);
  run.set_tag("note", "first");
  run.set_tag("note", "second");  // tags may change
  EXPECT_EQ(read_file(run.path() / "tags" / "note"), "second");
}

TEST(MlflowStore, ArtifactsAreCopiedIntoTheRun) {
  TempDir dir("mlflow");
  MlflowStore store(dir / "mlruns");
  MlflowRun run = store.create_run(store.experiment("tessera"), "r", 1);
  tessera::testing::write_text(dir / "labels.txt", "cat\ndog\n");
  run.log_artifact(dir / "labels.txt", "labels.txt");
  run.log_text_artifact("a: 1\n", "config.yaml");
  EXPECT_EQ(read_file(run.path() / "artifacts" / "labels.txt"), "cat\ndog\n");
  EXPECT_EQ(read_file(run.path() / "artifacts" / "config.yaml"), "a: 1\n");
  EXPECT_THROW(run.log_artifact(dir / "missing.txt", "missing.txt"), UserError);
}

TEST(MlflowStore, FileUrisArePercentEncodedLikePathlib) {
  // pathlib.PurePosixPath('/tmp/a b/é#1').as_uri() == 'file:///tmp/a%20b/%C3%A9%231'
  EXPECT_EQ(file_uri("/tmp/a b/\xC3\xA9#1"), "file:///tmp/a%20b/%C3%A9%231");
  EXPECT_EQ(file_uri("/srv/ml-runs_2/x.y~z"), "file:///srv/ml-runs_2/x.y~z");
}

}  // namespace
}  // namespace tessera::track
