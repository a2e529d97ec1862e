#include "tessera/tasks/classification.h"

#include <torch/nn/functional/loss.h>

#include <limits>

#include "tessera/core/error.h"
#include "tessera/core/format.h"
#include "tessera/core/logging.h"
#include "tessera/data/dataset.h"
#include "tessera/data/loader.h"
#include "tessera/data/sample_reference.h"
#include "tessera/models/init_weights.h"
#include "tessera/models/registry.h"
#include "tessera/models/safetensors.h"
#include "tessera/ops/random_affine.h"
#include "tessera/tasks/classification_evaluation.h"
#include "tessera/tasks/report_number.h"

namespace tessera::tasks {
namespace {

}  // namespace

ClassificationTask::ClassificationTask(const config::ExperimentConfig& config, std::vector<std::string> classes,
                                       torch::Device device)
    : config_(config),
      classes_(std::move(classes)),
      device_(device),
      compute_(resolve_compute(config.runtime, device)),
      uploader_(device) {}

std::unique_ptr<ClassificationTask> ClassificationTask::for_training(const config::ExperimentConfig& config,
                                                                     torch::Device device) {
  if (config.data.train.empty()) throw UserError("data.train is required for training (a folder or a CSV manifest)");
  data::ClassificationDataset train = data::load_dataset(config.data.train);
  if (train.classes.size() < 2) {
    throw UserError(config.data.train + ": found " + std::to_string(train.classes.size()) +
                    " class(es); classification needs at least 2");
  }
  resolve_positive_class(train.classes, config.eval);  // an unknown eval.positive_class fails now, not after epoch 1
  std::unique_ptr<ClassificationTask> task(new ClassificationTask(config, train.classes, device));
  task->compute_class_weights(train);
  task->set_dataset(Split::train, std::move(train));
  if (!config.data.val.empty()) task->set_dataset(Split::val, data::load_dataset(config.data.val, task->classes_));
  if (!config.data.test.empty()) task->set_dataset(Split::test, data::load_dataset(config.data.test, task->classes_));
  task->build_network();
  return task;
}

std::unique_ptr<ClassificationTask> ClassificationTask::for_run(const config::ExperimentConfig& config,
                                                                std::vector<std::string> classes, torch::Device device) {
  std::unique_ptr<ClassificationTask> task(new ClassificationTask(config, std::move(classes), device));
  task->build_network();
  return task;
}

std::unique_ptr<ClassificationTask> ClassificationTask::from_run_directory(const run::RunDirectory& run,
                                                                          torch::Device device, bool last_weights) {
  config::ExperimentConfig config = run.read_config();
  config.model.init_weights.clear();  // the run's own weights replace any starting point
  auto task = for_run(config, run.read_labels(), device);
  const auto path = last_weights ? run.last_weights_path() : run.weights_path();
  if (!std::filesystem::exists(path)) {
    throw UserError(path.string() + " not found: the run has not finished an epoch yet");
  }
  models::load_state_dict(task->module(), models::load_safetensors(path).tensors);  // copy_ keeps channels_last
  task->module().eval();
  return task;
}

void ClassificationTask::build_network() {
  const auto classes = static_cast<std::int64_t>(classes_.size());
  if (config_.model.num_classes != 0 && config_.model.num_classes != classes) {
    throw UserError("model.num_classes is " + std::to_string(config_.model.num_classes) + " but the data has " +
                    std::to_string(classes) + " classes (" + join(classes_, ",") + "); set it to 0 to follow the data");
  }
  models::ModelSpec spec;
  spec.name = config::to_string(config_.model.name);
  spec.num_classes = classes;
  spec.in_channels = config_.data.channels;
  spec.width = config_.model.width;
  spec.dropout = config_.model.dropout;
  network_ = models::create_model(spec);

  // Fine-tuning from given weights (e.g. torchvision's): everything must fit except the
  // classifier, which is fresh when the file's is for another number of classes.
  if (!config_.model.init_weights.empty()) models::load_init_weights(*network_, spec.name, config_.model.init_weights);
  network_->to(device_);
  if (compute_.channels_last) to_channels_last(*network_);
}

void ClassificationTask::compute_class_weights(const data::ClassificationDataset& train) {
  const auto& weights = config_.train.class_weights;
  const std::size_t classes = train.classes.size();
  if (weights.balanced) {
    // sklearn's "balanced": n_samples / (n_classes * count_c).
    std::vector<double> counts(classes, 0.0);
    for (const auto& sample : train.samples) counts[static_cast<std::size_t>(sample.label)] += 1.0;
    std::vector<float> values(classes);
    for (std::size_t c = 0; c < classes; ++c) {
      values[c] = counts[c] > 0 ? static_cast<float>(train.samples.size() / (classes * counts[c])) : 0.0f;
    }
    class_weights_ = torch::tensor(values);
  } else if (!weights.values.empty()) {
    if (weights.values.size() != classes) {
      throw UserError("train.class_weights has " + std::to_string(weights.values.size()) + " values but the data has " +
                      std::to_string(classes) + " classes (" + join(train.classes, ",") + ")");
    }
    std::vector<float> values(weights.values.begin(), weights.values.end());
    class_weights_ = torch::tensor(values);
  }
  if (class_weights_.defined()) class_weights_ = class_weights_.to(device_);
}

void ClassificationTask::set_dataset(Split split, data::ClassificationDataset dataset) {
  if (dataset.samples.empty()) throw UserError("no images found in " + dataset.root.string());
  loaders_[split] = std::make_unique<data::BatchLoader>(std::move(dataset), loader_options(split));
}

std::string ClassificationTask::set_test_data(const std::filesystem::path& data, std::int64_t stride) {
  if (stride != 0) throw UserError("--stride applies to language-model runs; this run classifies images");
  data::ClassificationDataset dataset = data::load_dataset(data, classes_);
  // path_hint: a DICOM folder's name may hold a patient's, so DICOM gets an opaque reference.
  const std::string read = std::to_string(dataset.samples.size()) + " images of " + data::path_hint(dataset);
  set_dataset(Split::test, std::move(dataset));
  return read;
}

std::optional<SampleImages> ClassificationTask::sample_images(Split split) const {
  const auto it = loaders_.find(split);
  if (it == loaders_.end()) return std::nullopt;
  return SampleImages{&it->second->dataset(), loader_options(split)};
}

void ClassificationTask::add_to_report(nlohmann::json& report, Split split) const {
  const auto it = loaders_.find(split);
  if (it == loaders_.end()) return;
  report["data"] = data::data_summary(it->second->dataset());
  data::add_mistake_references(report, it->second->dataset());
}

std::string ClassificationTask::report_summary(const nlohmann::json& report) const {
  const auto number = [&](const char* key) { return report_number(report, key); };
  return "accuracy: " + fixed(number("accuracy")) + ", top-" + std::to_string(report.value("top_k", 0)) + ": " +
         fixed(number("top_k_accuracy")) + ", loss: " + fixed(number("loss")) + " over " +
         std::to_string(report.value("count", std::int64_t{0})) + " images";
}

void ClassificationTask::shard(Split split, int rank, int world) {
  const auto it = loaders_.find(split);
  if (it == loaders_.end()) return;  // no such split: nothing to share out
  it->second->set_shard(rank, world,
                        split == Split::train ? data::ShardPadding::repeat_to_equal : data::ShardPadding::none);
}

data::LoaderOptions ClassificationTask::loader_options(Split split) const {
  const auto& d = config_.data;
  const bool training = split == Split::train;
  data::LoaderOptions options;
  options.batch_size = training ? d.batch_size : config_.eval.batch_size;
  options.workers = d.workers.automatic ? data::auto_workers() : d.workers.count;
  options.prefetch_batches = d.prefetch;
  // Training and validation run every epoch: their next pass starts decoding while this one ends.
  options.prefetch_across_epochs = split == Split::train || split == Split::val;
  options.shuffle = training;
  options.drop_last = training && d.drop_last;
  options.seed = config_.runtime.seed;
  options.channels = d.channels;
  options.preprocess.resize_h = d.resize.height;
  options.preprocess.resize_w = d.resize.width;
  options.preprocess.out_h = d.crop.height;
  options.preprocess.out_w = d.crop.width;
  options.preprocess.mean.assign(d.mean.begin(), d.mean.end());
  options.preprocess.std.assign(d.std.begin(), d.std.end());
  options.augment = training;
  options.pad = d.pad;
  options.hflip = d.hflip;
  options.cache_decoded = d.cache;
  options.packed = d.preprocess_device == config::PreprocessDevice::automatic && device_.is_cuda();
  // DICOM inputs only (the loader ignores it for images).
  if (d.window.is_explicit()) {
    options.window = {ops::WindowChoice::Mode::fixed, static_cast<float>(d.window.center),
                      static_cast<float>(d.window.width)};
  } else if (const auto preset = config::window_preset(d.window.name)) {
    options.window = {ops::WindowChoice::Mode::fixed, static_cast<float>((*preset)[0]), static_cast<float>((*preset)[1])};
  } else if (d.window.name == "minmax") {
    options.window.mode = ops::WindowChoice::Mode::minmax;
  } else {
    options.window.mode = ops::WindowChoice::Mode::file;
  }
  return options;
}

torch::Tensor ClassificationTask::loss(const torch::Tensor& outputs, const torch::Tensor& targets) {
  auto options = torch::nn::functional::CrossEntropyFuncOptions().label_smoothing(config_.train.label_smoothing);
  if (class_weights_.defined()) options.weight(class_weights_);
  return torch::nn::functional::cross_entropy(outputs, targets, options);
}

bool ClassificationTask::has_split(Split split) const { return loaders_.contains(split); }

std::size_t ClassificationTask::batches_per_epoch(Split split) const {
  return has_split(split) ? loaders_.at(split)->batches_per_epoch() : 0;
}

std::size_t ClassificationTask::examples(Split split) const {
  return has_split(split) ? loaders_.at(split)->dataset().samples.size() : 0;
}

void ClassificationTask::start_epoch(Split split, std::int64_t epoch, std::size_t skip_batches) {
  if (!has_split(split)) throw std::logic_error(std::string("no ") + split_name(split) + " split");
  loaders_.at(split)->start_epoch(epoch, skip_batches);
  if (split == Split::train) train_epoch_ = epoch;
}

std::optional<TaskBatch> ClassificationTask::next_batch(Split split) {
  const auto& loader = *loaders_.at(split);
  std::optional<data::Batch> batch = loaders_.at(split)->next();
  if (!batch) return std::nullopt;
  TaskBatch out;
  out.failures = std::move(batch->failures);
  out.inputs = to_inputs(*batch, loader.options());
  if (split == Split::train) out.inputs = augment(out.inputs, batch->indices);
  out.targets = uploader_.upload(batch->labels);
  out.indices = torch::tensor(std::vector<std::int64_t>(batch->indices.begin(), batch->indices.end()), torch::kLong);
  return out;
}

torch::Tensor ClassificationTask::to_inputs(const data::Batch& batch, const data::LoaderOptions& options) {
  const auto& spec = options.preprocess;
  const auto memory_format = compute_.channels_last ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
  if (batch.size() == 0) {
    return torch::empty({0, options.channels, spec.out_h, spec.out_w}, torch::TensorOptions().device(device_));
  }
  if (!batch.packed.values.defined()) {
    return uploader_.upload(batch.images).contiguous(memory_format);  // a no-op unless channels_last
  }
  // The GPU path: the decoded bytes travel (about 1/4 of the float tensor's size at equal
  // resolution) and one kernel resizes, crops, flips, normalises and lays out the whole batch,
  // in bf16 when the network runs under bf16 autocast anyway.
  ops::PackedBatch packed = batch.packed;
  packed.values = uploader_.upload(batch.packed.values);
  ops::OutputFormat format;
  format.dtype = compute_.bf16 ? torch::kBFloat16 : torch::kFloat32;
  format.layout = compute_.channels_last ? ops::Layout::nhwc : ops::Layout::nchw;
  if (packed.values.scalar_type() == torch::kInt16) {  // a DICOM dataset: the medical kernel
    return ops::preprocess_medical(packed, data::medical_spec(options), batch.intensities, batch.params, format);
  }
  return ops::preprocess_images(packed, spec, batch.params, format);
}

torch::Tensor ClassificationTask::augment(const torch::Tensor& inputs, const std::vector<std::size_t>& indices) const {
  const ops::AffineJitter jitter{config_.data.rotate, config_.data.scale};
  if (!jitter.active() || inputs.size(0) == 0) return inputs;
  // Seeded by (seed, epoch, sample) like the loader's crop (random_affine draws from a stream apart
  // from the crop's), so a sample gets the same warp on the CPU and on a GPU, and a resumed run
  // repeats it.
  std::vector<ops::AffineParams> params;
  params.reserve(indices.size());
  for (const auto index : indices) {
    params.push_back(ops::random_affine(jitter, data::sample_seed(config_.runtime.seed, train_epoch_, index)));
  }
  // The value of a zero pixel after normalisation: what the loader pads shifted images with.
  std::vector<float> fill;
  for (std::size_t c = 0; c < config_.data.mean.size(); ++c) {
    fill.push_back(static_cast<float>((0.0 - config_.data.mean[c]) / config_.data.std[c]));
  }
  return ops::apply_affine(inputs, params, fill);
}

std::unique_ptr<Evaluation> ClassificationTask::new_evaluation() const {
  return std::make_unique<ClassificationEvaluation>(classes_, config_.eval);
}

void ClassificationTask::write_to_run(const run::RunDirectory& run) const { run.write_labels(classes_); }

std::map<std::string, std::string> ClassificationTask::weights_metadata() const {
  return {{"task", "classification"},
          {"model", config::to_string(config_.model.name)},
          {"labels", nlohmann::json(classes_).dump()}};
}

}  // namespace tessera::tasks
