#include "tessera/run/checkpoint.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/serialize.h>

#include <mutex>

#include "tessera/core/atomic_file.h"
#include "tessera/core/error.h"

namespace tessera::run {
namespace {

// torch's default CPU generator drives dropout and random init; saving it makes a resumed run
// draw the same numbers as an uninterrupted one.
torch::Tensor cpu_rng_state() {
  auto generator = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  return generator.get_state();
}

void set_cpu_rng_state(const torch::Tensor& state) {
  auto generator = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_state(state);
}

torch::Tensor scalar(std::int64_t value) { return torch::tensor({value}, torch::kInt64); }
torch::Tensor scalar(double value) { return torch::tensor({value}, torch::kFloat64); }

std::int64_t read_int(torch::serialize::InputArchive& archive, const char* key) {
  torch::Tensor value;
  archive.read(key, value);
  return value.item<std::int64_t>();
}

double read_double(torch::serialize::InputArchive& archive, const char* key) {
  torch::Tensor value;
  archive.read(key, value);
  return value.item<double>();
}

std::string shape(const torch::Tensor& tensor) {
  std::string out = "[";
  for (const auto size : tensor.sizes()) out += (out.size() > 1 ? ", " : "") + std::to_string(size);
  return out + "]";
}

// Module::load replaces each tensor with the stored one (set_), whatever its shape, so a
// checkpoint of another architecture would load silently. Walk the archive the way Module::load
// does and compare every parameter and buffer first.
void check_matches(const torch::nn::Module& module, torch::serialize::InputArchive& archive,
                   const std::filesystem::path& path, const std::string& prefix) {
  const auto check = [&](const std::string& key, const torch::Tensor& own, bool is_buffer) {
    torch::Tensor stored;
    if (!archive.try_read(key, stored, is_buffer)) {
      throw UserError("cannot resume from " + path.string() + ": it has no " + prefix + key +
                      " (a checkpoint of another model?)");
    }
    if (stored.sizes() != own.sizes()) {
      throw UserError("cannot resume from " + path.string() + ": " + prefix + key + " has shape " + shape(stored) +
                      " there but " + shape(own) + " in the model (a checkpoint of another model?)");
    }
  };
  for (const auto& item : module.named_parameters(/*recurse=*/false)) check(item.key(), item.value(), false);
  for (const auto& item : module.named_buffers(/*recurse=*/false)) check(item.key(), item.value(), true);
  for (const auto& item : module.named_children()) {
    torch::serialize::InputArchive child;
    if (!archive.try_read(item.key(), child)) {
      throw UserError("cannot resume from " + path.string() + ": it has no " + prefix + item.key() +
                      " (a checkpoint of another model?)");
    }
    check_matches(*item.value(), child, path, prefix + item.key() + ".");
  }
}

}  // namespace

void save_checkpoint(const std::filesystem::path& path, const torch::nn::Module& model,
                     const torch::optim::Optimizer& optimizer, const TrainProgress& progress) {
  torch::serialize::OutputArchive archive;
  torch::serialize::OutputArchive model_archive, optimizer_archive;
  model.save(model_archive);
  optimizer.save(optimizer_archive);
  archive.write("model", model_archive);
  archive.write("optimizer", optimizer_archive);
  archive.write("rng_cpu", cpu_rng_state());
  archive.write("epochs_completed", scalar(progress.epochs_completed));
  archive.write("step", scalar(progress.step));
  archive.write("best_metric", scalar(progress.best_metric));
  archive.write("best_epoch", scalar(progress.best_epoch));
  archive.write("evals_without_improvement", scalar(progress.evals_without_improvement));
  archive.write("finished", scalar(static_cast<std::int64_t>(progress.finished)));
  write_atomic_with(path, [&](const std::filesystem::path& tmp) { archive.save_to(tmp.string()); });
}

TrainProgress load_checkpoint(const std::filesystem::path& path, torch::nn::Module& model,
                              torch::optim::Optimizer& optimizer) {
  if (!std::filesystem::is_regular_file(path)) throw UserError("checkpoint not found: " + path.string());
  TrainProgress progress;
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path.string());
    torch::serialize::InputArchive model_archive, optimizer_archive;
    archive.read("model", model_archive);
    archive.read("optimizer", optimizer_archive);
    check_matches(model, model_archive, path, "");
    model.load(model_archive);
    optimizer.load(optimizer_archive);
    torch::Tensor rng;
    archive.read("rng_cpu", rng);
    set_cpu_rng_state(rng);
    progress.epochs_completed = read_int(archive, "epochs_completed");
    progress.step = read_int(archive, "step");
    progress.best_metric = read_double(archive, "best_metric");
    progress.best_epoch = read_int(archive, "best_epoch");
    progress.evals_without_improvement = read_int(archive, "evals_without_improvement");
    progress.finished = read_int(archive, "finished") != 0;
  } catch (const c10::Error& error) {
    const std::string what = error.what_without_backtrace();
    throw UserError("cannot resume from " + path.string() + ": " + what.substr(0, what.find('\n')));
  }
  return progress;
}

}  // namespace tessera::run
