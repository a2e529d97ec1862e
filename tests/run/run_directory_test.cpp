// RunDirectory: naming of new runs, opening, finding the latest run, and the files it owns.
#include "tessera/run/run_directory.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/temp_dir.h"
#include "tessera/core/atomic_file.h"
#include "tessera/core/error.h"

namespace tessera::run {
namespace {
namespace fs = std::filesystem;
using tessera::testing::TempDir;
using tessera::testing::write_text;

config::ExperimentConfig config_in(const fs::path& output_dir, const std::string& name) {
  config::ExperimentConfig config;
  config.runtime.output_dir = output_dir.string();
  config.runtime.name = name;
  return config;
}

TEST(RunDirectoryTest, CreateNumbersRunsAndNeverOverwrites) {
  TempDir temp;
  const auto config = config_in(temp / "models", "exp");
  const auto first = RunDirectory::create(config);
  EXPECT_EQ(first.path(), temp / "models" / "exp");
  EXPECT_TRUE(fs::is_directory(first.path()));
  write_text(first.path() / "marker.txt", "first");

  const auto second = RunDirectory::create(config);
  EXPECT_EQ(second.path(), temp / "models" / "exp-2");
  const auto third = RunDirectory::create(config);
  EXPECT_EQ(third.path(), temp / "models" / "exp-3");
  EXPECT_TRUE(fs::is_directory(second.path()));
  EXPECT_TRUE(fs::is_directory(third.path()));
  // The first run's contents are untouched.
  EXPECT_EQ(read_file(first.path() / "marker.txt"), "first");
  EXPECT_FALSE(fs::exists(second.path() / "marker.txt"));
}

TEST(RunDirectoryTest, CreateWithEmptyNameUsesRun) {
  TempDir temp;
  const auto run = RunDirectory::create(config_in(temp.path(), ""));
  EXPECT_EQ(run.path(), temp / "run");
}

TEST(RunDirectoryTest, CreateSkipsAnExistingFileOfTheSameName) {
  TempDir temp;
  write_text(temp / "exp", "a file, not a run");
  const auto run = RunDirectory::create(config_in(temp.path(), "exp"));
  EXPECT_EQ(run.path(), temp / "exp-2");
  EXPECT_EQ(read_file(temp / "exp"), "a file, not a run");
}

TEST(RunDirectoryTest, PathsAreInsideTheRun) {
  TempDir temp;
  const auto run = RunDirectory::create(config_in(temp.path(), "exp"));
  EXPECT_EQ(run.config_path(), run.path() / "config.yaml");
  EXPECT_EQ(run.labels_path(), run.path() / "labels.txt");
  EXPECT_EQ(run.weights_path(), run.path() / "weights.safetensors");
  EXPECT_EQ(run.last_weights_path(), run.path() / "last.safetensors");
  EXPECT_EQ(run.checkpoint_path(), run.path() / "checkpoint.pt");
  EXPECT_EQ(run.metrics_path(), run.path() / "metrics.jsonl");
  EXPECT_EQ(run.log_path(), run.path() / "train.log");
}

TEST(RunDirectoryTest, OpenWithoutConfigIsUserErrorMentioningIt) {
  TempDir temp;
  fs::create_directories(temp / "not-a-run");
  try {
    RunDirectory::open(temp / "not-a-run");
    FAIL() << "expected UserError";
  } catch (const UserError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("config.yaml"), std::string::npos) << message;
    EXPECT_NE(message.find("not-a-run"), std::string::npos) << message;
  }
}

TEST(RunDirectoryTest, OpenMissingFolderIsUserError) {
  TempDir temp;
  try {
    RunDirectory::open(temp / "missing");
    FAIL() << "expected UserError";
  } catch (const UserError& error) {
    EXPECT_NE(std::string(error.what()).find("missing"), std::string::npos) << error.what();
  }
}

TEST(RunDirectoryTest, OpenExistingRun) {
  TempDir temp;
  const auto created = RunDirectory::create(config_in(temp.path(), "exp"));
  created.write_config(config_in(temp.path(), "exp"));
  const auto opened = RunDirectory::open(created.path());
  EXPECT_EQ(opened.path(), created.path());
}

// Makes `dir` a run (config.yaml present) whose config.yaml was modified at `when`.
void make_run(const fs::path& dir, fs::file_time_type when) {
  write_text(dir / "config.yaml", "runtime: {}\n");
  fs::last_write_time(dir / "config.yaml", when);
}

TEST(RunDirectoryTest, LatestPicksNewestMatchingRun) {
  TempDir temp;
  const auto now = fs::file_time_type::clock::now();
  using std::chrono::hours;
  make_run(temp / "exp", now - hours(5));
  make_run(temp / "exp-2", now - hours(1));   // newest of the matching runs
  make_run(temp / "exp-3", now - hours(3));
  make_run(temp / "exp-x", now);              // not a numbered run of exp
  make_run(temp / "exp-2b", now);             // not a numbered run of exp
  make_run(temp / "exp-", now);               // no number at all
  make_run(temp / "expert", now);             // another name
  make_run(temp / "other", now);              // another name
  fs::create_directories(temp / "exp-9");     // newest folder, but not a run (no config.yaml)
  const auto latest = RunDirectory::latest(temp.path(), "exp");
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(*latest, temp / "exp-2");

  // Touching exp-3 makes it the latest.
  fs::last_write_time(temp / "exp-3" / "config.yaml", now - std::chrono::minutes(1));
  EXPECT_EQ(RunDirectory::latest(temp.path(), "exp").value(), temp / "exp-3");
  // The base name alone counts too.
  fs::last_write_time(temp / "exp" / "config.yaml", now - std::chrono::seconds(1));
  EXPECT_EQ(RunDirectory::latest(temp.path(), "exp").value(), temp / "exp");
}

TEST(RunDirectoryTest, LatestWithoutRunsIsEmpty) {
  TempDir temp;
  EXPECT_FALSE(RunDirectory::latest(temp.path(), "exp").has_value());
  make_run(temp / "other", fs::file_time_type::clock::now());
  EXPECT_FALSE(RunDirectory::latest(temp.path(), "exp").has_value());
  EXPECT_FALSE(RunDirectory::latest(temp / "does-not-exist", "exp").has_value());
}

TEST(RunDirectoryTest, LabelsRoundTrip) {
  TempDir temp;
  const auto run = RunDirectory::create(config_in(temp.path(), "exp"));
  const std::vector<std::string> labels{"cat", "dog with spaces", "zebra", "ünïcode"};
  run.write_labels(labels);
  EXPECT_EQ(read_file(run.labels_path()), "cat\ndog with spaces\nzebra\nünïcode\n");
  EXPECT_EQ(run.read_labels(), labels);
}

TEST(RunDirectoryTest, EmptyLabelsFileIsUserError) {
  TempDir temp;
  const auto run = RunDirectory::create(config_in(temp.path(), "exp"));
  write_text(run.labels_path(), "\n\n");
  EXPECT_THROW(run.read_labels(), UserError);
}

TEST(RunDirectoryTest, ConfigRoundTrip) {
  TempDir temp;
  auto config = config_in(temp.path(), "exp");
  config.runtime.seed = 1234;
  config.runtime.threads = 3;
  config.data.train = "/data/train";
  config.data.val = "relative/val";
  config.data.channels = 1;
  config.data.mean = {0.5};
  config.data.std = {0.25};
  config.data.crop = {24, 32};
  config.data.resize = {28, 36};
  config.data.hflip = 0.5;
  config.model.width = 8;
  config.model.num_classes = 3;
  config.optim.name = config::Optimizer::sgd;
  config.optim.lr = 0.0123456789;
  config.optim.warmup_epochs = 0.5;
  config.optim.scheduler = config::Scheduler::step;
  config.train.epochs = 7;
  config.train.class_weights.values = {1.0, 2.5, 0.125};
  config.train.early_stopping.patience = 2;
  config.train.early_stopping.min_delta = 1e-3;
  config.train.monitor = config::Monitor::val_loss;
  config.eval.batch_size = 17;

  const auto run = RunDirectory::create(config);
  run.write_config(config);
  EXPECT_EQ(read_file(run.config_path()), config::to_yaml(config));
  const auto read = run.read_config();
  EXPECT_EQ(config::to_yaml(read), config::to_yaml(config));
  EXPECT_EQ(read.runtime.seed, 1234u);
  EXPECT_EQ(read.data.crop, (config::Size2{24, 32}));
  EXPECT_EQ(read.optim.lr, 0.0123456789);
  EXPECT_EQ(read.train.class_weights.values, (std::vector<double>{1.0, 2.5, 0.125}));
  EXPECT_EQ(read.eval.batch_size, 17);

  // 'balanced' survives too.
  config.train.class_weights = {};
  config.train.class_weights.balanced = true;
  run.write_config(config);
  EXPECT_TRUE(run.read_config().train.class_weights.balanced);
  EXPECT_EQ(config::to_yaml(run.read_config()), config::to_yaml(config));
}

TEST(RunDirectoryTest, AppendMetricsAppendsJsonLines) {
  TempDir temp;
  const auto run = RunDirectory::create(config_in(temp.path(), "exp"));
  std::vector<nlohmann::json> records;
  for (int epoch = 1; epoch <= 3; ++epoch) {
    nlohmann::json record = {{"epoch", epoch}, {"train_loss", 1.0 / epoch}, {"note", "line\nbreak \"quoted\""}};
    run.append_metrics(record);
    records.push_back(record);
    // Flushed after every call: the file already holds `epoch` lines.
    std::ifstream in(run.metrics_path());
    int lines = 0;
    for (std::string line; std::getline(in, line);) ++lines;
    EXPECT_EQ(lines, epoch);
  }
  std::ifstream in(run.metrics_path());
  std::vector<nlohmann::json> read;
  for (std::string line; std::getline(in, line);) read.push_back(nlohmann::json::parse(line));
  EXPECT_EQ(read, records);
  const std::string text = read_file(run.metrics_path());
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
}

TEST(RunDirectoryTest, WriteJson) {
  TempDir temp;
  const auto run = RunDirectory::create(config_in(temp.path(), "exp"));
  const nlohmann::json value = {{"accuracy", 0.75}, {"classes", {"a", "b"}}};
  run.write_json("report.json", value);
  EXPECT_EQ(nlohmann::json::parse(read_file(run.path() / "report.json")), value);
}

}  // namespace
}  // namespace tessera::run
