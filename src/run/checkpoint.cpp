#include "tessera/run/checkpoint.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/serialize.h>

#include <c10/util/ConstexprCrc.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <sstream>
#include <string_view>
#include <unistd.h>

#include "archive_bounds.h"
#include "tessera/core/atomic_file.h"
#include "tessera/core/error.h"
#include "tessera/core/logging.h"

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

constexpr std::string_view kTrailerStart = "TSRCKPT1", kTrailerEnd = "TSRCKEND";
constexpr std::size_t kTrailerBytes = 32;

void put_u64(std::string& out, std::uint64_t value) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

std::uint64_t get_u64(const char* in) {
  std::uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[i])) << (8 * i);
  return value;
}

std::uint64_t checksum(std::string_view bytes) { return c10::util::crc64(bytes.data(), bytes.size()).checksum(); }

// The archive bytes of a checkpoint file, after checking its trailer; CorruptCheckpoint otherwise.
std::string verified_archive(const std::filesystem::path& path) {
  std::string bytes = read_file(path);
  const auto corrupt = [&](const std::string& why) {
    return CorruptCheckpoint("checkpoint " + path.string() + " is damaged: " + why);
  };
  if (bytes.size() < kTrailerBytes) throw corrupt(std::to_string(bytes.size()) + " bytes, too short to be one");
  const char* trailer = bytes.data() + bytes.size() - kTrailerBytes;
  if (std::string_view(trailer, 8) != kTrailerStart || std::string_view(trailer + 24, 8) != kTrailerEnd) {
    if (bytes.rfind("PK\x03\x04", 0) == 0) {
      // A zip archive without the trailer: a checkpoint from before checksums (or one cut short,
      // which torch's reader then rejects; load_checkpoint reports that as damage too).
      log::warn("checkpoint ", path.string(), " has no checksum (written by an older tessera): loading it unverified");
      return bytes;
    }
    throw corrupt("no checksum trailer at its end (truncated, or not a Tessera checkpoint)");
  }
  const std::uint64_t length = get_u64(trailer + 8), expected = get_u64(trailer + 16);
  if (length != bytes.size() - kTrailerBytes) {
    throw corrupt("its trailer records " + std::to_string(length) + " bytes of archive, the file holds " +
                  std::to_string(bytes.size() - kTrailerBytes));
  }
  bytes.resize(length);
  if (checksum(bytes) != expected) throw corrupt("CRC-64 mismatch (its bytes changed after it was written)");
  return bytes;
}

// The checkpoint about to be replaced becomes the previous one: a hard link to it, renamed over
// the old previous (atomic), so at every instant a complete checkpoint exists under one name.
void keep_previous(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) return;
  const std::filesystem::path previous = previous_checkpoint_path(path);
  const std::filesystem::path link = previous.string() + ".tmp";
  std::error_code ignored;
  std::filesystem::remove(link, ignored);
  if (::link(path.c_str(), link.c_str()) != 0 || ::rename(link.c_str(), previous.c_str()) != 0) {
    log::warn("could not keep ", path.string(), " as ", previous.string(), ": ", std::strerror(errno));
  }
}

}  // namespace

void verify_checkpoint(const std::filesystem::path& path) { verified_archive(path); }

std::filesystem::path previous_checkpoint_path(const std::filesystem::path& path) {
  return path.parent_path() / (path.stem().string() + ".prev" + path.extension().string());
}

std::string with_checksum_trailer(std::string archive) {
  const std::uint64_t length = archive.size(), crc = checksum(archive);
  archive.append(kTrailerStart);
  put_u64(archive, length);
  put_u64(archive, crc);
  archive.append(kTrailerEnd);
  return archive;
}

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
  archive.write("epoch_steps", scalar(progress.epoch_steps));
  std::ostringstream stream;
  archive.save_to(stream);
  const std::string bytes = with_checksum_trailer(std::move(stream).str());
  keep_previous(path);
  write_file_atomic(path, bytes);
}

TrainProgress load_checkpoint(const std::filesystem::path& path, torch::nn::Module& model,
                              torch::optim::Optimizer& optimizer) {
  if (!std::filesystem::is_regular_file(path)) throw UserError("checkpoint not found: " + path.string());
  TrainProgress progress;
  const std::string bytes = verified_archive(path);  // before anything is changed
  try {
    torch::serialize::InputArchive archive;
    try {
      // Before torch reads it: torch allocates whatever sizes a damaged archive states.
      if (auto problem = archive_bounds_problem(bytes)) {
        throw CorruptCheckpoint("cannot resume from " + path.string() + ": " + *problem);
      }
      archive.load_from(bytes.data(), bytes.size());
    } catch (const c10::Error&) {
      throw;
    } catch (const UserError&) {
      throw;
    } catch (const std::exception& error) {
      // torch's archive reader reports some malformed archives with other exception types (its
      // TorchScript lexer throws std::runtime_error): a damaged file all the same (fuzz/checkpoint).
      const std::string what = error.what();
      throw CorruptCheckpoint("cannot resume from " + path.string() + ": " + what.substr(0, what.find('\n')));
    }
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
    torch::Tensor epoch_steps;  // absent from checkpoints saved only at epoch ends by older builds
    if (archive.try_read("epoch_steps", epoch_steps)) progress.epoch_steps = epoch_steps.item<std::int64_t>();
  } catch (const c10::Error& error) {
    // The bytes passed their checksum (or had none, see verified_archive), so an archive torch
    // cannot read is a damaged file: --resume may fall back to the previous checkpoint.
    const std::string what = error.what_without_backtrace();
    throw CorruptCheckpoint("cannot resume from " + path.string() + ": " + what.substr(0, what.find('\n')));
  }
  return progress;
}

TrainProgress load_latest_good_checkpoint(const std::filesystem::path& path, torch::nn::Module& model,
                                          torch::optim::Optimizer& optimizer, std::filesystem::path* used) {
  const std::filesystem::path previous = previous_checkpoint_path(path);
  std::string problem;
  try {
    if (std::filesystem::exists(path) || !std::filesystem::exists(previous)) {
      TrainProgress progress = load_checkpoint(path, model, optimizer);
      if (used) *used = path;
      return progress;
    }
    problem = path.string() + " is missing";
  } catch (const CorruptCheckpoint& e) {
    problem = e.what();
  }
  if (!std::filesystem::exists(previous)) throw UserError(problem + ", and there is no " + previous.string());
  log::warn(problem, "; resuming from the previous checkpoint, ", previous.string());
  try {
    TrainProgress progress = load_checkpoint(previous, model, optimizer);
    if (used) *used = previous;
    return progress;
  } catch (const UserError& e) {
    throw UserError(problem + "; the previous one failed too: " + e.what());
  }
}

}  // namespace tessera::run
