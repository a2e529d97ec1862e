#pragma once
// The run directory: the unit of reuse. Everything eval, infer, generate and next need is in
// it, so nobody passes the training config again:
//
//   config.yaml          the resolved config (every default filled in)
//   labels.txt           class names, one per line, in output-index order
//   tokenizer.json       a language model's vocabulary (text/tokenizer.h)
//   weights.safetensors  the best weights by the monitored validation metric (torchvision names;
//                        the config and labels are also in its metadata)
//   last.safetensors     the weights after the latest epoch
//   checkpoint.pt        resume state: weights, optimizer, RNG, epoch/step (written atomically,
//                        CRC-64 checked on load: run/checkpoint.h)
//   checkpoint.prev.pt   the checkpoint before it, for when the latest is damaged
//   metrics.jsonl        one JSON object per epoch
//   train.log            the training log
//   report.json, confusion.csv   written by `tessera eval`
#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "tessera/core/config/experiment.h"

namespace tessera::run {

class RunDirectory {
 public:
  // Creates <output_dir>/<name>, or <name>-2, <name>-3, ... when that exists: a new run never
  // overwrites an old one.
  static RunDirectory create(const config::ExperimentConfig& config);
  // Opens an existing run directory; UserError when `path` does not hold a config.yaml.
  static RunDirectory open(const std::filesystem::path& path);
  // Rank 0's run directory as another rank of a data-parallel run names it: nothing is checked
  // or written (that rank may be on another machine, without the folder).
  static RunDirectory elsewhere(const std::filesystem::path& path) { return RunDirectory(path); }
  // The most recently modified run of `name` under `output_dir` (name, name-2, ...), if any.
  static std::optional<std::filesystem::path> latest(const std::filesystem::path& output_dir, const std::string& name);

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path config_path() const { return path_ / "config.yaml"; }
  std::filesystem::path labels_path() const { return path_ / "labels.txt"; }
  std::filesystem::path weights_path() const { return path_ / "weights.safetensors"; }
  std::filesystem::path last_weights_path() const { return path_ / "last.safetensors"; }
  std::filesystem::path checkpoint_path() const { return path_ / "checkpoint.pt"; }
  std::filesystem::path metrics_path() const { return path_ / "metrics.jsonl"; }
  std::filesystem::path log_path() const { return path_ / "train.log"; }

  void write_config(const config::ExperimentConfig& config) const;
  config::ExperimentConfig read_config() const;
  void write_labels(const std::vector<std::string>& labels) const;
  std::vector<std::string> read_labels() const;
  // Appends one line to metrics.jsonl and flushes it (a killed run keeps every finished epoch).
  void append_metrics(const nlohmann::json& record) const;
  void write_json(const std::string& file_name, const nlohmann::json& value) const;

 private:
  explicit RunDirectory(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;
};

}  // namespace tessera::run
