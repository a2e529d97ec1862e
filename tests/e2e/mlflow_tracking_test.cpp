// `tessera train --set runtime.mlflow_dir=...` then `tessera eval`, read back with MLflow's own
// client: one run with the config, per-epoch metrics, FINISHED, and the evaluation's numbers
// equal to report.json; a SIGKILLed run resumed with --resume stays one MLflow run.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>

#include <algorithm>
#include <fstream>

#include "e2e/cli.h"
#include "e2e/resume_support.h"
#include "track/mlflow_client.h"

namespace tessera::e2e {
namespace {
namespace fs = std::filesystem;
using track::testing::mlflow_read;
using track::testing::mlflow_unavailable;
using track::testing::steps_of;

std::vector<nlohmann::json> metrics_lines(const fs::path& path) {
  std::vector<nlohmann::json> records;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) records.push_back(nlohmann::json::parse(line));
  }
  return records;
}

nlohmann::json read_json(const fs::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

// Each per-epoch metric has exactly the steps 1..epochs, each value the one in metrics.jsonl.
void expect_epochs_match(const nlohmann::json& run, const fs::path& metrics_jsonl, std::int64_t epochs) {
  const auto records = metrics_lines(metrics_jsonl);
  ASSERT_EQ(records.size(), static_cast<std::size_t>(epochs));
  std::vector<std::int64_t> expected;
  for (std::int64_t e = 1; e <= epochs; ++e) expected.push_back(e);
  for (const char* key : {"epoch", "train_loss", "val_loss", "val_accuracy", "lr"}) {
    ASSERT_EQ(steps_of(run, key), expected) << key;
    for (std::size_t i = 0; i < records.size(); ++i) {
      EXPECT_EQ(run["history"][key][i][1].get<double>(), records[i][key].get<double>()) << key << " epoch " << i + 1;
    }
  }
}

TEST(MlflowTracking, TrainAndEvalAppearAsOneMlflowRun) {
  if (!mlflow_unavailable().empty()) GTEST_SKIP() << "MLflow's client is the peer here: " << mlflow_unavailable();
  const fs::path dir = fresh_dir("mlflow");
  std::ofstream(dir / "quick.yaml") << quick_digits_config(dir / "models", 2);
  // A relative store resolves against the working directory, like runtime.output_dir.
  const auto trained = run_tessera({"train", (dir / "quick.yaml").string(), "--set", "runtime.mlflow_dir=mlruns",
                                    "--set", "runtime.mlflow_experiment=digits e2e"},
                                   dir);
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  const fs::path run = dir / "models" / "quick";
  ASSERT_TRUE(fs::is_directory(dir / "mlruns"));
  const auto link = read_json(run / "mlflow.json");

  const auto evaluated = run_tessera({"eval", run.string(), "--data", (digits_dir() / "test").string(), "--device",
                                      "cpu", "--output", (dir / "eval").string()});
  ASSERT_EQ(evaluated.exit_code, 0) << evaluated.err;
  const auto report = read_json(dir / "eval" / "report.json");

  const auto dump = mlflow_read(dir / "mlruns", "digits e2e");
  ASSERT_EQ(dump["runs"].size(), 1u) << dump.dump(1);
  const auto& got = dump["runs"][0];
  EXPECT_EQ(got["run_id"], link["run_id"]);
  EXPECT_EQ(got["run_name"], "quick");
  EXPECT_EQ(got["status"], "FINISHED");
  EXPECT_EQ(got["params"]["model.name"], "simple_cnn");
  EXPECT_EQ(got["params"]["optim.lr"], "0.005");
  EXPECT_EQ(got["params"]["train.epochs"], "2");
  EXPECT_EQ(got["params"]["data.train"], "train") << "paths are reduced to their last component";
  EXPECT_EQ(got["tags"]["mlflow.runName"], "quick");
  EXPECT_EQ(got["tags"]["mlflow.source.name"], "tessera");
  for (const auto* section : {"params", "tags"}) {
    for (const auto& [key, value] : got[section].items()) {
      EXPECT_EQ(value.get<std::string>().find(dir.string()), std::string::npos) << section << " " << key;
    }
  }
  expect_epochs_match(got, run / "metrics.jsonl", 2);
  // The evaluation's numbers are the run's latest test metrics.
  EXPECT_EQ(got["metrics"]["test_accuracy"].get<double>(), report["accuracy"].get<double>());
  EXPECT_EQ(got["metrics"]["test_loss"].get<double>(), report["loss"].get<double>());
  EXPECT_EQ(got["metrics"]["test_count"].get<double>(), report["count"].get<double>());
  std::vector<std::string> artifacts = {"config.yaml", "labels.txt", "report.json", "confusion.csv"};
  if (fs::exists(run / "data_fingerprint.json")) artifacts.push_back("data_fingerprint.json");  // written after training
  for (const auto& artifact : artifacts) {
    EXPECT_NE(std::find(got["artifacts"].begin(), got["artifacts"].end(), artifact), got["artifacts"].end())
        << artifact << " in " << got["artifacts"].dump();
  }
}

TEST(MlflowTracking, AFailedTrainingIsMarkedFailed) {
  if (!mlflow_unavailable().empty()) GTEST_SKIP() << "MLflow's client is the peer here: " << mlflow_unavailable();
  const fs::path dir = fresh_dir("mlflow-failed");
  std::ofstream(dir / "quick.yaml") << quick_digits_config(dir / "models", 1);
  const auto trained = run_tessera({"train", (dir / "quick.yaml").string(), "--set", "runtime.mlflow_dir=mlruns",
                                    "--set", "data.train=" + (dir / "missing").string()},
                                   dir);
  ASSERT_EQ(trained.exit_code, 1) << trained.err;
  const auto dump = mlflow_read(dir / "mlruns", "tessera");
  ASSERT_EQ(dump["runs"].size(), 1u);
  EXPECT_EQ(dump["runs"][0]["status"], "FAILED");
  EXPECT_FALSE(dump["runs"][0]["end_time"].is_null());
}

TEST(MlflowTracking, AKilledAndResumedRunStaysOneMlflowRunWithContiguousEpochs) {
  if (!mlflow_unavailable().empty()) GTEST_SKIP() << "MLflow's client is the peer here: " << mlflow_unavailable();
  constexpr int epochs = 4;
  const fs::path dir = fresh_dir("mlflow-resume");
  // The kill helper starts `tessera train CONFIG` without --set: the store goes in the file.
  std::string yaml = quick_digits_config(dir / "models", epochs);
  const std::string runtime = "runtime: {";
  yaml.replace(yaml.find(runtime), runtime.size(), runtime + "mlflow_dir: " + (dir / "mlruns").string() + ", ");
  std::ofstream(dir / "quick.yaml") << yaml;
  const fs::path run = dir / "models" / "quick";
  const int status = train_then_kill_after_checkpoint(dir / "quick.yaml", run, dir / "killed.log",
                                                      std::chrono::milliseconds(300));
  ASSERT_TRUE(WIFSIGNALED(status)) << "the run finished before it could be killed; make it longer";
  {
    const auto dump = mlflow_read(dir / "mlruns", "tessera");
    ASSERT_EQ(dump["runs"].size(), 1u);
    EXPECT_EQ(dump["runs"][0]["status"], "RUNNING") << "nothing can write KILLED on SIGKILL";
  }

  const auto resumed = run_tessera({"train", (dir / "quick.yaml").string(), "--resume", run.string()});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  const auto dump = mlflow_read(dir / "mlruns", "tessera");
  ASSERT_EQ(dump["runs"].size(), 1u) << "the resumed run continues the same MLflow run";
  const auto& got = dump["runs"][0];
  EXPECT_EQ(got["run_id"], read_json(run / "mlflow.json")["run_id"]);
  EXPECT_EQ(got["status"], "FINISHED");
  EXPECT_EQ(got["tags"]["tessera.resumed"], "true");
  expect_epochs_match(got, run / "metrics.jsonl", epochs);
}

}  // namespace
}  // namespace tessera::e2e
