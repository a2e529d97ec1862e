#pragma once
// Image classification: ImageFolder/CSV datasets through the threaded loader, a registry model,
// cross-entropy with label smoothing and class weights, and classification metrics.
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tessera/core/config/experiment.h"
#include "tessera/data/device_upload.h"
#include "tessera/metrics/classification.h"
#include "tessera/models/network.h"
#include "tessera/tasks/task.h"

namespace tessera::tasks {

class ClassificationTask final : public Task {
 public:
  // For training: reads the train split (its subfolders/labels define the classes) and the
  // val/test splits named in config.data, builds the model and moves it to `device`.
  static std::unique_ptr<ClassificationTask> for_training(const config::ExperimentConfig& config, torch::Device device);
  // For eval/infer: the classes come from the run directory; no dataset is read yet.
  static std::unique_ptr<ClassificationTask> for_run(const config::ExperimentConfig& config,
                                                     std::vector<std::string> classes, torch::Device device);

  // A trained model from its run directory: config, labels and weights.safetensors (the best
  // epoch) or last.safetensors. Runtime settings (device) come from the caller.
  static std::unique_ptr<ClassificationTask> from_run_directory(const run::RunDirectory& run, torch::Device device,
                                                                bool last_weights = false);

  const config::ExperimentConfig& config() const { return config_; }
  void set_eval_batch_size(int batch_size) override { config_.eval.batch_size = batch_size; }

  // Replaces one split's dataset (eval: --data PATH; infer: unlabelled files).
  void set_dataset(Split split, data::ClassificationDataset dataset);
  // Loader options for a split (augmentation and shuffling only for train; packed u8 output
  // when preprocessing runs on the GPU, see data.preprocess_device).
  data::LoaderOptions loader_options(Split split) const;
  // A loader batch as network input on the task's device: uploads it (side stream on CUDA) and,
  // for a packed batch, runs the fused preprocessing kernel. `options` are the producing
  // loader's (their preprocess spec is complete once the loader exists).
  torch::Tensor to_inputs(const data::Batch& batch, const data::LoaderOptions& options);

  const std::vector<std::string>& classes() const { return classes_; }
  models::Network& network() { return *network_; }

  torch::nn::Module& module() override { return *network_; }
  const torch::Device& device() const override { return device_; }
  const ComputeSettings& compute() const override { return compute_; }
  torch::Tensor forward(const torch::Tensor& inputs) override { return network_->forward(inputs); }
  torch::Tensor loss(const torch::Tensor& outputs, const torch::Tensor& targets) override;
  const char* unit() const override { return "images"; }
  bool has_split(Split split) const override;
  std::size_t batches_per_epoch(Split split) const override;
  std::size_t examples(Split split) const override;
  using Task::start_epoch;
  void start_epoch(Split split, std::int64_t epoch, std::size_t skip_batches) override;
  void shard(Split split, int rank, int world) override;
  std::optional<TaskBatch> next_batch(Split split) override;
  std::unique_ptr<Evaluation> new_evaluation() const override;
  std::string set_test_data(const std::filesystem::path& data, std::int64_t stride) override;
  void add_to_report(nlohmann::json& report, Split split) const override;
  std::string report_summary(const nlohmann::json& report) const override;
  std::optional<SampleImages> sample_images(Split split) const override;
  void write_to_run(const run::RunDirectory& run) const override;
  std::map<std::string, std::string> weights_metadata() const override;

 private:
  ClassificationTask(const config::ExperimentConfig& config, std::vector<std::string> classes, torch::Device device);
  void build_network();
  void compute_class_weights(const data::ClassificationDataset& train);
  // data.rotate / data.scale on a training batch (ops/random_affine.h); a no-op when both are 0.
  torch::Tensor augment(const torch::Tensor& inputs, const std::vector<std::size_t>& indices) const;

  config::ExperimentConfig config_;
  std::vector<std::string> classes_;
  torch::Device device_;
  ComputeSettings compute_;
  data::DeviceUploader uploader_;
  std::shared_ptr<models::Network> network_;
  torch::Tensor class_weights_;  // empty = uniform
  std::map<Split, std::unique_ptr<data::BatchLoader>> loaders_;
  std::int64_t train_epoch_ = 0;  // the training epoch under way: with the seed, it seeds each warp
};

}  // namespace tessera::tasks
