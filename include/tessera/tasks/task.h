#pragma once
// What the loops (train, eval) know about a task: how to get batches, run the network, compute
// the loss and measure a pass. The loops know nothing about images or text, so adding a task
// (the language model) never touches the Trainer.
#include <nlohmann/json.hpp>
#include <torch/nn/module.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tessera/core/compute.h"
#include "tessera/data/loader.h"
#include "tessera/run/run_directory.h"

namespace tessera::dist {
class Group;
}

namespace tessera::tasks {

enum class Split { train, val, test };
const char* split_name(Split split);

struct TaskBatch {
  torch::Tensor inputs;                 // on the task's device, in the task's memory format (channels_last)
  torch::Tensor targets;                // on the task's device
  torch::Tensor indices;                // int64 [B] on the CPU: each row's dataset index (classification);
                                        // undefined where rows are not dataset samples (language model windows)
  std::vector<data::Failure> failures;  // samples skipped because they could not be read
};

// The images behind a report's sample indices, as the task reads them (the report's thumbnails).
struct SampleImages {
  const data::ClassificationDataset* dataset;
  data::LoaderOptions options;
};

// An evaluation's partial results in a form c10d collectives can combine: `sums` are added
// element-wise across ranks, `rows` (float64 [n, k]) are concatenated. Counts travel as doubles,
// exact up to 2^53.
struct EvaluationShare {
  std::vector<double> sums;
  torch::Tensor rows;
};

// Accumulates one pass over a split.
class Evaluation {
 public:
  virtual ~Evaluation() = default;
  // `indices` (int64 [B], any device, or undefined): the rows' dataset indices, which let the
  // report name individual samples (its mistakes); without them the report lists none.
  virtual void update(const torch::Tensor& outputs, const torch::Tensor& targets, const torch::Tensor& indices) = 0;
  void update(const torch::Tensor& outputs, const torch::Tensor& targets) { update(outputs, targets, torch::Tensor()); }
  void update(const torch::Tensor& outputs, const TaskBatch& batch) { update(outputs, batch.targets, batch.indices); }
  virtual std::int64_t count() const = 0;
  // "loss" always; "accuracy" for classification. NaN when the task has no such number.
  virtual double value(const std::string& name) const = 0;
  virtual nlohmann::json report() const = 0;
  // Extra report files by name, e.g. {"confusion.csv": ...}.
  virtual std::map<std::string, std::string> artifacts() const = 0;

  // Sharded evaluation: every rank calls share(), the loop combines the shares across ranks
  // (sums added, rows concatenated) and adopt() replaces this evaluation's state with the whole,
  // so each rank then reports what one process over all the data would (up to the order of
  // floating-point sums). adopt() throws UserError on a share of another shape.
  virtual EvaluationShare share() const = 0;
  virtual void adopt(const EvaluationShare& whole) = 0;
};

// The sharded-evaluation step every loop uses: each rank's share goes to the group (sums added,
// rows concatenated in rank order) and every rank adopts the whole. All-reduce and all-gather
// return the same bits on every rank, so ranks that decide on the result decide alike.
void combine_across_ranks(Evaluation& evaluation, dist::Group& group);

class Task {
 public:
  virtual ~Task() = default;

  virtual torch::nn::Module& module() = 0;
  virtual const torch::Device& device() const = 0;
  // Precision and memory format the loops run the model with (AutocastScope around forward + loss).
  virtual const ComputeSettings& compute() const = 0;
  virtual torch::Tensor forward(const torch::Tensor& inputs) = 0;
  virtual torch::Tensor loss(const torch::Tensor& outputs, const torch::Tensor& targets) = 0;

  // What one example is, for logs and metric names: "images", "tokens".
  virtual const char* unit() const = 0;
  virtual bool has_split(Split split) const = 0;
  virtual std::size_t batches_per_epoch(Split split) const = 0;
  // Examples in a split: what one pass over it scores (images; tokens but the first of a text).
  virtual std::size_t examples(Split split) const = 0;
  // Starts a pass over `split`; `skip_batches` > 0 begins at that batch (a run resumed mid-epoch
  // gets exactly the batches the uninterrupted epoch had left).
  virtual void start_epoch(Split split, std::int64_t epoch, std::size_t skip_batches) = 0;
  void start_epoch(Split split, std::int64_t epoch) { start_epoch(split, epoch, 0); }
  // Data-parallel runs: from the next epoch (pass) on, `split` yields only rank `rank`'s share of
  // what one process would see, disjoint across ranks. The train split gives every rank the same
  // number of steps (the gradient all-reduce needs them in step); val and test count each sample
  // exactly once, so ranks may run different numbers of batches. A split set later (set_dataset)
  // starts whole again.
  virtual void shard(Split split, int rank, int world) = 0;
  virtual std::optional<TaskBatch> next_batch(Split split) = 0;

  // The batch size of evaluation passes (val, test) from the next pass on: eval, infer and
  // compare's --batch-size over a run's own eval.batch_size.
  virtual void set_eval_batch_size(int batch_size) = 0;

  virtual std::unique_ptr<Evaluation> new_evaluation() const = 0;

  // `tessera eval --data PATH`: PATH read as the test split, the way this task reads data (a class
  // folder or CSV manifest; a text file or a folder of them). `stride` is the tokens between
  // evaluation windows (0 = the context); a task without windows refuses a non-zero one
  // (UserError). Returns what was read, for the log ("1234 tokens of PATH, window 32, stride 32").
  virtual std::string set_test_data(const std::filesystem::path& data, std::int64_t stride) = 0;
  // Adds what only the task knows to a finished pass's report over `split`, which already holds
  // the evaluation's report and the pass's throughput: classification the data summary and its
  // mistakes' sample references; the language model characters, bits per character, window,
  // stride, tokenizer and what encoding replaced.
  virtual void add_to_report(nlohmann::json& report, Split split) const = 0;
  // One line for the terminal from that report, e.g. "accuracy: 0.9860".
  virtual std::string report_summary(const nlohmann::json& report) const = 0;
  // The images behind the report's sample indices; nullopt where samples are not images.
  virtual std::optional<SampleImages> sample_images(Split /*split*/) const { return std::nullopt; }
  // Writes what eval/infer need besides weights and config (labels, tokenizer) into the run.
  virtual void write_to_run(const run::RunDirectory& run) const = 0;
  // Strings stored in the weights file's metadata (labels, architecture).
  virtual std::map<std::string, std::string> weights_metadata() const = 0;
};

}  // namespace tessera::tasks
