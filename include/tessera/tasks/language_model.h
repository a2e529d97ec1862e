#pragma once
// The language model task: a GPT sees windows of model.context tokens and learns to predict the
// next token at every position. Text comes from data.train/val/test (files or folders, see
// core/config/text.h), the tokenizer is built from the training text and saved in the run
// directory (tokenizer.json) beside the weights.
//
// Batches: training takes data.batch_size windows per step (text.steps_per_epoch steps per
// epoch) at seeded random positions, or in text order text.train_stride apart (text.sampling); validation and test walk the whole text with
// data::evaluation_windows (stride text.eval_stride) in batches of eval.batch_size windows, as
// classification does, scoring every token once, so their loss is the text's mean NLL per token.
// Targets that are not scored are -1 (ignored by the loss).
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "tessera/core/config/experiment.h"
#include "tessera/data/text_corpus.h"
#include "tessera/models/gpt.h"
#include "tessera/tasks/task.h"
#include "tessera/text/tokenizer.h"

namespace tessera::tasks {

// The tokenizer a config asks for, built from `training_text` (char: its code points; bpe: merges
// trained on it up to text.vocab_size).
std::unique_ptr<text::Tokenizer> build_tokenizer(const config::TextConfig& settings,
                                                 const std::vector<std::string>& training_text);

class LanguageModelTask final : public Task {
 public:
  // Reads data.train (and data.val or the held-out tail of train, and data.test), builds the
  // tokenizer and the model on `device`.
  static std::unique_ptr<LanguageModelTask> for_training(const config::ExperimentConfig& config, torch::Device device);
  // A trained model from its run directory: config, tokenizer.json, weights.safetensors (or
  // last.safetensors). No text is read.
  static std::unique_ptr<LanguageModelTask> from_run_directory(const run::RunDirectory& run, torch::Device device,
                                                               bool last_weights = false);
  static std::filesystem::path tokenizer_path(const run::RunDirectory& run);

  const config::ExperimentConfig& config() const { return config_; }
  void set_eval_batch_size(int batch_size) override { config_.eval.batch_size = batch_size; }
  // Tokens between the starts of consecutive evaluation windows (eval --stride), from the next pass.
  void set_eval_stride(int stride) { config_.text.eval_stride = stride; }
  const text::Tokenizer& tokenizer() const { return *tokenizer_; }
  models::GptImpl& gpt() { return *gpt_; }
  // `documents` encoded with the run's tokenizer (its policy for ill-formed UTF-8 and unknown
  // characters applies). What the policy replaced or dropped is logged under `what` (a path or
  // config key) and added to `report`; an encoding error names `what` and the document.
  data::TokenStream tokenize(const std::vector<std::string>& documents, const std::string& what,
                             text::EncodeReport* report = nullptr) const;
  // Replaces a split's text (eval --data): tokenized with the run's tokenizer.
  void set_text(Split split, data::TokenStream stream);
  // The test split for an evaluation: `text` read in windows of the context that start every
  // `stride` tokens (0 = the context). UserError when the stride is negative or longer than the
  // context, or when the text has fewer than two tokens (nothing to predict).
  void set_test_text(data::TokenStream text, std::int64_t stride);
  const data::TokenStream* text(Split split) const;

  torch::nn::Module& module() override { return *gpt_; }
  const torch::Device& device() const override { return device_; }
  const ComputeSettings& compute() const override { return compute_; }
  torch::Tensor forward(const torch::Tensor& inputs) override { return gpt_->forward(inputs); }
  torch::Tensor loss(const torch::Tensor& outputs, const torch::Tensor& targets) override;
  const char* unit() const override { return "tokens"; }
  bool has_split(Split split) const override;
  std::size_t batches_per_epoch(Split split) const override;
  std::size_t examples(Split split) const override;
  using Task::start_epoch;
  void start_epoch(Split split, std::int64_t epoch, std::size_t skip_batches) override;
  void shard(Split split, int rank, int world) override;
  std::optional<TaskBatch> next_batch(Split split) override;
  std::unique_ptr<Evaluation> new_evaluation() const override;
  std::string set_test_data(const std::filesystem::path& data, std::int64_t stride) override;
  // bits_per_character = total NLL / (ln 2 x characters), characters being the code points of the
  // text as read: comparable across tokenizers, unlike the per-token numbers. window and stride
  // are stated because a stride below the context gives each scored token more history (a lower
  // loss) at context/stride times the compute.
  void add_to_report(nlohmann::json& report, Split split) const override;
  std::string report_summary(const nlohmann::json& report) const override;
  void write_to_run(const run::RunDirectory& run) const override;
  std::map<std::string, std::string> weights_metadata() const override;

 private:
  LanguageModelTask(const config::ExperimentConfig& config, std::unique_ptr<text::Tokenizer> tokenizer,
                    torch::Device device);
  std::int64_t eval_stride() const;

  struct Cursor {
    std::int64_t epoch = 0;
    std::size_t next = 0;  // training: step; evaluation: index into windows
    std::vector<data::EvalWindow> windows;
  };

  config::ExperimentConfig config_;
  std::unique_ptr<text::Tokenizer> tokenizer_;
  torch::Device device_;
  ComputeSettings compute_;
  models::Gpt gpt_{nullptr};
  std::map<Split, data::TokenStream> texts_;
  std::map<Split, Cursor> cursors_;
  // Data-parallel runs. Training: each step draws the windows of a batch `world` times as large
  // and this rank takes its block, so the ranks together see what one process with that batch
  // sees. Evaluation: rank r scores windows r, r + world, ... of the split's list.
  struct Shard {
    int rank = 0;
    int world = 1;
  };
  Shard shard_of(Split split) const;
  std::vector<data::EvalWindow> sharded_windows(Split split) const;  // this rank's evaluation windows
  std::map<Split, Shard> shards_;
  // What set_test_data read, for the report: the path as given and what encoding replaced.
  std::string test_source_;
  text::EncodeReport test_encoding_;
};

}  // namespace tessera::tasks
