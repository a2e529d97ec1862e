// The threaded batch loader (see loader.h).
//
// Scheduling: start_epoch publishes a Plan (the epoch's visiting order). Workers claim a few
// consecutive samples at a time, in order, while fewer than `window_` samples are in flight; the
// first claim on a batch allocates its tensors (a Pending). Each worker decodes its samples and
// preprocesses them straight into their rows without holding the lock; whoever finishes a batch's
// last sample assembles it (moving good rows over failed ones) and files it under its number, and
// next() waits for exactly the number it must deliver. A plan that start_epoch replaces is marked
// cancelled: workers leave it between samples and its batches are dropped.
#include "tessera/data/loader.h"

#include <sched.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <thread>
#include <tuple>
#include <utility>

#include "tensor_pool.h"
#include "tessera/core/cores.h"
#include "tessera/core/error.h"
#include "tessera/core/logging.h"
#include "tessera/ops/preprocess_images.h"
#include "tessera/ops/preprocess_medical.h"

namespace tessera::data {

std::uint64_t sample_seed(std::uint64_t seed, std::int64_t epoch, std::size_t index) {
  std::uint64_t h = splitmix64(seed ^ 0x73616D706C65ULL);  // "sample": a stream apart from the shuffle's
  h = splitmix64(h ^ static_cast<std::uint64_t>(epoch));
  return splitmix64(h ^ static_cast<std::uint64_t>(index));
}

std::vector<std::size_t> epoch_permutation(std::size_t n, std::uint64_t seed, std::int64_t epoch) {
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  std::uint64_t state = splitmix64(splitmix64(seed ^ 0x73687566666CULL) ^ static_cast<std::uint64_t>(epoch));
  // The stream this shuffle has always used starts one step into the generator's.
  SplitMix64 rng{state + kSplitMixGamma};
  for (std::size_t i = n; i > 1; --i) {  // Fisher-Yates
    const std::size_t j = static_cast<std::size_t>(rng.below(i));
    std::swap(order[i - 1], order[j]);
  }
  return order;
}


struct BatchLoader::Plan {
  std::int64_t epoch = 0;
  std::size_t first_batch = 0;        // start_epoch's skip_batches (clamped)
  std::vector<std::size_t> order;     // the epoch's visiting order (this rank's shard)
  std::size_t num_batches = 0;
  std::size_t end = 0;                // samples of `order` the batches cover (drop_last may leave some)
  std::atomic<bool> cancelled{false};
  // Guarded by the loader's mutex:
  std::size_t next_sample = 0;        // position in `order` of the next unclaimed sample
  std::size_t delivered = 0;          // batches handed out by next()
  std::map<std::size_t, std::shared_ptr<Pending>> filling;  // batches with samples still being made
  std::map<std::size_t, Result> ready;                       // finished, waiting for next()
};

// One batch while workers fill it. Each row is written by the one worker that claimed it.
struct BatchLoader::Pending {
  std::size_t begin = 0, rows = 0;    // positions [begin, begin + rows) of the plan's order
  torch::Tensor images;               // float path: [rows, C, H, W], each row preprocessed in place
  torch::Tensor labels;               // [rows]
  std::vector<std::shared_ptr<const DecodedSample>> samples;  // per row: the decoded sample (failures, packing)
  std::vector<ops::SampleParams> params;                       // per row (packed path)
  // The error that is not a decode failure at the earliest position, so the caller sees the same
  // one for any number of workers (guarded by the mutex). A claim stops at its first error, and
  // claims do not overlap, so the claim that starts first holds the earliest error.
  std::exception_ptr error;
  std::size_t error_claim_first = std::numeric_limits<std::size_t>::max();
  std::size_t remaining = 0;          // rows not finished yet (guarded by the mutex)
};

struct BatchLoader::Claim {
  std::shared_ptr<Plan> plan;
  std::shared_ptr<Pending> pending;
  std::size_t batch_index = 0;
  std::size_t first = 0, count = 0;   // positions [first, first + count) of the plan's order
};

// One core is left to the training thread; the count follows the process's affinity (usable_cores).
int auto_workers() {
  const int cores = usable_cores();
  return cores > 1 ? cores - 1 : 1;
}

std::string opaque_reference(const std::string& kind, std::size_t index, const std::filesystem::path& path) {
  std::uint32_t hash = 2166136261u;  // FNV-1a
  for (const unsigned char c : path.generic_string()) {
    hash ^= c;
    hash *= 16777619u;
  }
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", hash);
  return kind + " #" + std::to_string(index) + " (" + hex + ")";
}

std::string dicom_sample_reference(const ClassificationDataset& dataset, std::size_t index) {
  return opaque_reference("dicom sample", index, dataset.samples.at(index).path);
}

ops::MedicalPreprocessSpec medical_spec(const LoaderOptions& options) {
  ops::MedicalPreprocessSpec spec;
  spec.resize_h = options.preprocess.resize_h;
  spec.resize_w = options.preprocess.resize_w;
  spec.out_h = options.preprocess.out_h;
  spec.out_w = options.preprocess.out_w;
  spec.mean = options.preprocess.mean.empty() ? 0.0f : options.preprocess.mean.front();
  spec.std = options.preprocess.std.empty() ? 1.0f : options.preprocess.std.front();
  spec.out_channels = options.channels;
  return spec;
}

namespace {

void fill_normalisation(std::vector<float>& values, int channels, float fallback, const char* name) {
  if (values.empty()) values.assign(static_cast<std::size_t>(channels), fallback);
  else if (values.size() == 1) values.assign(static_cast<std::size_t>(channels), values.front());
  else if (values.size() != static_cast<std::size_t>(channels)) {
    throw UserError(std::string("data preprocess ") + name + " has " + std::to_string(values.size()) +
                    " values for " + std::to_string(channels) + " channels");
  }
}

}  // namespace

namespace {
void check_shard(int rank, int count) {
  if (count < 1 || rank < 0 || rank >= count) {
    throw UserError("loader shard " + std::to_string(rank) + " of " + std::to_string(count) + " does not exist");
  }
}
}  // namespace

BatchLoader::BatchLoader(ClassificationDataset dataset, LoaderOptions options, const SourceFactory& make_source)
    : dataset_(std::move(dataset)), options_(std::move(options)) {
  auto& o = options_;
  if (o.batch_size < 1) throw UserError("data batch_size must be at least 1, got " + std::to_string(o.batch_size));
  if (o.channels != 1 && o.channels != 3) {
    throw UserError("data channels must be 1 (grey) or 3 (RGB), got " + std::to_string(o.channels));
  }
  if (o.workers < 0) throw UserError("data workers must be >= 0, got " + std::to_string(o.workers));
  check_shard(o.shard_rank, o.shard_count);
  if (o.pad < 0) throw UserError("data pad must be >= 0, got " + std::to_string(o.pad));
  if (!(o.hflip >= 0.0 && o.hflip <= 1.0)) throw UserError("data hflip must be in [0, 1], got " + std::to_string(o.hflip));
  o.prefetch_batches = std::max(o.prefetch_batches, 1);
  if (dataset_.samples.empty()) throw UserError("dataset " + dataset_.root.string() + " has no samples");
  fill_normalisation(o.preprocess.mean, o.channels, 0.0f, "mean");
  fill_normalisation(o.preprocess.std, o.channels, 1.0f, "std");
  dicom_ = is_dicom_dataset(dataset_);  // throws for a mix of DICOM and images
  source_ = make_source(dataset_, o);
  auto& spec = o.preprocess;
  if (spec.out_h <= 0 || spec.out_w <= 0) {
    if (spec.resize_h > 0 && spec.resize_w > 0) {
      spec.out_h = spec.resize_h;
      spec.out_w = spec.resize_w;
    } else {
      // No size anywhere: the first decodable sample sets it (the digits and MNIST-like sets).
      for (std::size_t i = 0; i < dataset_.samples.size() && spec.out_h <= 0; ++i) {
        try {
          std::tie(spec.out_h, spec.out_w) = source_->probe_size(i);
        } catch (const DecodeError&) {
        }
      }
      if (spec.out_h <= 0) throw UserError("no image of " + dataset_.root.string() + " could be decoded");
    }
  }

  warned_.assign(dataset_.samples.size(), false);
  if (o.cache_decoded) cache_.assign(dataset_.samples.size(), nullptr);
#ifdef TESSERA_WITH_CUDA
  pinned_ = torch::cuda::is_available();
#endif
  // Claims of a few samples keep the lock out of the way of fast decodes (cached digits take
  // microseconds) while every worker still gets a share of each batch.
  const auto batch = static_cast<std::size_t>(o.batch_size);
  claim_size_ = std::clamp<std::size_t>(batch / (2 * static_cast<std::size_t>(std::max(o.workers, 1))), 1, 8);
  window_ = std::max(static_cast<std::size_t>(o.prefetch_batches) * batch,
                     static_cast<std::size_t>(std::max(o.workers, 1)) * claim_size_);
  // Batches in flight (the window, one more being started) plus the two the consumer may hold.
  pool_ = std::make_unique<TensorPool>(window_ / batch + 3);
  for (int i = 0; i < o.workers; ++i) workers_.emplace_back([this] { worker_loop(); });
}

BatchLoader::~BatchLoader() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
    cancel_locked();
  }
  work_cv_.notify_all();
  ready_cv_.notify_all();
  for (auto& t : workers_) t.join();
}

void BatchLoader::set_shard(int rank, int count, ShardPadding padding) {
  check_shard(rank, count);
  std::lock_guard lock(mutex_);  // a worker may be planning the next epoch from these
  if (rank == options_.shard_rank && count == options_.shard_count && padding == options_.shard_padding) return;
  options_.shard_rank = rank;
  options_.shard_count = count;
  options_.shard_padding = padding;
  if (ahead_) {  // planned for the old shard
    ahead_->cancelled = true;
    in_flight_ -= ahead_->next_sample;
    ahead_.reset();
  }
}

// The samples this process reads per epoch: all of them, or its shard's share.
std::size_t BatchLoader::samples_per_epoch() const {
  const auto n = dataset_.samples.size();
  const auto ranks = static_cast<std::size_t>(options_.shard_count), rank = static_cast<std::size_t>(options_.shard_rank);
  if (ranks == 1) return n;
  if (options_.shard_padding == ShardPadding::repeat_to_equal) return (n + ranks - 1) / ranks;
  return n / ranks + (rank < n % ranks ? 1 : 0);
}

std::size_t BatchLoader::batches_per_epoch() const {
  const auto n = samples_per_epoch();
  const auto b = static_cast<std::size_t>(options_.batch_size);
  return options_.drop_last ? n / b : (n + b - 1) / b;
}

std::shared_ptr<BatchLoader::Plan> BatchLoader::make_plan(std::int64_t epoch, std::size_t skip_batches) const {
  auto plan = std::make_shared<Plan>();
  plan->epoch = epoch;
  if (options_.shuffle) {
    plan->order = epoch_permutation(dataset_.samples.size(), options_.seed, epoch);
  } else {
    plan->order.resize(dataset_.samples.size());
    for (std::size_t i = 0; i < plan->order.size(); ++i) plan->order[i] = i;
  }
  if (options_.shard_count > 1) {
    plan->order = shard(plan->order, options_.shard_rank, options_.shard_count, options_.shard_padding);
  }
  plan->num_batches = batches_per_epoch();
  const auto batch = static_cast<std::size_t>(options_.batch_size);
  plan->end = std::min(plan->num_batches * batch, plan->order.size());
  plan->first_batch = std::min(skip_batches, plan->num_batches);
  plan->delivered = plan->first_batch;
  plan->next_sample = std::min(plan->first_batch * batch, plan->end);
  return plan;
}

void BatchLoader::cancel_locked() {
  for (auto* plan : {&current_, &ahead_}) {
    if (*plan) (*plan)->cancelled = true;
    plan->reset();
  }
  in_flight_ = 0;
}

void BatchLoader::start_epoch(std::int64_t epoch, std::size_t skip_batches) {
  {
    std::lock_guard lock(mutex_);
    // The epoch decoded ahead (prefetch_across_epochs) is kept when it is the one asked for.
    if (ahead_ && skip_batches == 0 && (ahead_->epoch == epoch || !batches_depend_on_epoch())) {
      if (current_) current_->cancelled = true;
      current_ = std::move(ahead_);
      in_flight_ = current_->next_sample;  // claimed in the new epoch, none delivered yet
      return;  // its workers are busy already
    }
    cancel_locked();
  }
  auto plan = make_plan(epoch, skip_batches);  // O(samples): outside the lock
  {
    std::lock_guard lock(mutex_);
    cancel_locked();
    current_ = std::move(plan);
  }
  work_cv_.notify_all();
}

std::optional<BatchLoader::Claim> BatchLoader::claim_locked(std::size_t most) {
  if (in_flight_ >= window_ || !current_) return std::nullopt;
  if (current_->next_sample >= current_->end && options_.prefetch_across_epochs && !ahead_ && !workers_.empty()) {
    ahead_ = make_plan(batches_depend_on_epoch() ? current_->epoch + 1 : current_->epoch, 0);
  }
  for (const auto& plan : {current_, ahead_}) {
    if (!plan || plan->next_sample >= plan->end) continue;
    const auto batch = static_cast<std::size_t>(options_.batch_size);
    const std::size_t index = plan->next_sample / batch;
    const std::size_t batch_end = std::min((index + 1) * batch, plan->end);
    Claim claim{plan, nullptr, index, plan->next_sample,
                std::min({most, batch_end - plan->next_sample, window_ - in_flight_})};
    auto& pending = plan->filling[index];
    if (!pending) {  // the batch's first claim allocates it
      pending = std::make_shared<Pending>();
      pending->begin = index * batch;
      pending->rows = batch_end - pending->begin;
      pending->remaining = pending->rows;
      const auto rows = static_cast<std::int64_t>(pending->rows);
      const auto& spec = options_.preprocess;
      if (!options_.packed) {
        const std::vector<std::int64_t> sizes{rows, options_.channels, spec.out_h, spec.out_w};
        pending->images = pinned_ ? torch::empty(sizes, torch::TensorOptions().dtype(torch::kFloat32).pinned_memory(true))
                                  : pool_->acquire(sizes);
      }
      pending->labels = torch::empty({rows}, torch::TensorOptions().dtype(torch::kInt64).pinned_memory(pinned_));
      pending->samples.resize(pending->rows);
      pending->params.resize(pending->rows);
    }
    claim.pending = pending;
    plan->next_sample += claim.count;
    in_flight_ += claim.count;
    return claim;
  }
  return std::nullopt;
}

std::optional<Batch> BatchLoader::next() {
  std::unique_lock lock(mutex_);
  if (!current_) throw std::logic_error("BatchLoader::next() called before start_epoch()");
  const auto plan = current_;
  if (plan->delivered >= plan->num_batches) return std::nullopt;
  const std::size_t wanted = plan->delivered;
  Result result;
  if (workers_.empty()) {
    // No threads: claim the whole batch and make it here (nothing else touches the state).
    work_on(*claim_locked(static_cast<std::size_t>(options_.batch_size)), lock);
  } else {
    ready_cv_.wait(lock, [&] { return plan->ready.count(wanted) > 0; });
  }
  auto node = plan->ready.extract(wanted);
  result = std::move(node.mapped());
  ++plan->delivered;
  const auto batch = static_cast<std::size_t>(options_.batch_size);
  in_flight_ -= std::min(batch, plan->end - wanted * batch);
  lock.unlock();
  work_cv_.notify_all();
  if (result.error) std::rethrow_exception(result.error);
  return std::move(result.batch);
}

void BatchLoader::worker_loop() {
  std::unique_lock lock(mutex_);
  while (true) {
    std::optional<Claim> claim;
    work_cv_.wait(lock, [&] { return stop_ || (claim = claim_locked(claim_size_)).has_value(); });
    if (stop_) return;
    work_on(*claim, lock);
  }
}

// Called with the lock held; makes the claimed samples without it.
void BatchLoader::work_on(const Claim& claim, std::unique_lock<std::mutex>& lock) {
  lock.unlock();
  std::exception_ptr error;
  try {
    fill(claim);
  } catch (...) {
    error = std::current_exception();
  }
  lock.lock();
  finish(claim, error, lock);
}

// Decodes and preprocesses the claimed samples into their rows. Throws the first error that is
// not a decode failure (the batch then reports it); a cancelled plan is left between samples.
void BatchLoader::fill(const Claim& claim) {
  const Plan& plan = *claim.plan;
  Pending& pending = *claim.pending;
  const auto& spec = options_.preprocess;
  const std::int64_t sample_floats = static_cast<std::int64_t>(options_.channels) * spec.out_h * spec.out_w;
  for (std::size_t k = claim.first; k < claim.first + claim.count; ++k) {
    if (plan.cancelled.load(std::memory_order_relaxed)) return;
    const std::size_t row = k - pending.begin, index = plan.order[k];
    auto decoded = decode(index);
    if (decoded->failure.empty()) {
      try {
        const ops::SampleParams params = draw_params(plan.epoch, index, decoded->height, decoded->width);
        if (options_.packed) pending.params[row] = params;
        else source_->write_row(*decoded, options_, params, pending.images.data_ptr<float>() + row * sample_floats);
      } catch (const std::invalid_argument& e) {  // e.g. a crop larger than this (padded) image
        throw UserError("cannot preprocess " + source_->reference(index).string() + ": " + e.what());
      }
      if (!options_.packed) {
        // The row holds the pixels now: keep only "decoded fine", not the decoded image.
        static const auto decoded_fine = std::make_shared<const DecodedSample>();
        if (!options_.cache_decoded) decoded = decoded_fine;
      }
      pending.labels.data_ptr<std::int64_t>()[row] = dataset_.samples[index].label;
    }
    pending.samples[row] = std::move(decoded);
  }
}

// Called with the lock held: accounts for a finished claim, and assembles the batch when it was
// the last one (without the lock, so packing does not stall the other workers).
void BatchLoader::finish(const Claim& claim, std::exception_ptr error, std::unique_lock<std::mutex>& lock) {
  Pending& pending = *claim.pending;
  if (error && claim.first < pending.error_claim_first) {
    pending.error = error;
    pending.error_claim_first = claim.first;
  }
  pending.remaining -= claim.count;
  if (pending.remaining > 0 || claim.plan->cancelled) return;
  claim.plan->filling.erase(claim.batch_index);
  lock.unlock();
  Result result = finalize(*claim.plan, pending);
  lock.lock();
  if (claim.plan->cancelled) return;
  claim.plan->ready.emplace(claim.batch_index, std::move(result));
  ready_cv_.notify_all();
}

BatchLoader::Result BatchLoader::finalize(const Plan& plan, Pending& pending) const {
  Result result;
  if (pending.error) {
    result.error = pending.error;
    return result;
  }
  try {
    const auto& spec = options_.preprocess;
    const auto row_floats = static_cast<std::size_t>(options_.channels) * spec.out_h * spec.out_w;
    Batch batch;
    std::vector<const DecodedSample*> kept;  // packed path, in row order
    std::int64_t* labels = pending.labels.data_ptr<std::int64_t>();
    std::size_t filled = 0;
    for (std::size_t row = 0; row < pending.rows; ++row) {
      const std::size_t index = plan.order[pending.begin + row];
      const auto& sample = pending.samples[row];
      if (!sample->failure.empty()) {
        batch.failures.push_back({source_->reference(index), sample->failure, index});
        continue;
      }
      // Failed samples leave holes: the good rows move up, so the batch is a prefix of the tensor
      // (a prefix view of a contiguous tensor is still contiguous).
      if (filled != row) {
        labels[filled] = labels[row];
        if (!options_.packed) {
          float* data = pending.images.data_ptr<float>();
          std::memmove(data + filled * row_floats, data + row * row_floats, row_floats * sizeof(float));
        }
      }
      if (options_.packed) {
        kept.push_back(sample.get());
        batch.params.push_back(pending.params[row]);
      }
      batch.indices.push_back(index);
      ++filled;
    }
    const auto rows = static_cast<std::int64_t>(filled);
    if (options_.packed) {
      source_->pack(kept, options_, pinned_, batch);
    } else {
      batch.images = filled == pending.rows ? pending.images : pending.images.narrow(0, 0, rows);
    }
    batch.labels = filled == pending.rows ? pending.labels : pending.labels.narrow(0, 0, rows);
    result.batch = std::move(batch);
  } catch (...) {
    result.error = std::current_exception();
  }
  return result;
}

std::shared_ptr<const DecodedSample> BatchLoader::decode(std::size_t index) {
  if (options_.cache_decoded) {
    std::lock_guard lock(cache_mutex_);
    if (cache_[index]) return cache_[index];
  }
  auto decoded = std::make_shared<const DecodedSample>(source_->decode(index));
  std::lock_guard lock(cache_mutex_);
  if (!decoded->failure.empty() && !warned_[index]) {
    warned_[index] = true;
    log::warn(source_->skip_message(index, decoded->failure));
  }
  if (options_.cache_decoded) cache_[index] = decoded;
  return decoded;
}

ops::SampleParams BatchLoader::draw_params(std::int64_t epoch, std::size_t index, int height, int width) const {
  const auto& spec = options_.preprocess;
  return options_.augment ? ops::random_crop(spec, height, width, options_.pad, options_.hflip,
                                             sample_seed(options_.seed, epoch, index))
                          : ops::center_crop(spec, height, width);
}

}  // namespace tessera::data
