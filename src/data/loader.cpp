// The threaded batch loader (see loader.h).
//
// Scheduling: start_epoch publishes a Plan (the epoch's visiting order). Workers claim batch
// numbers in order, but never more than `prefetch_batches` ahead of the consumer, build the whole
// batch (decode -> preprocess straight into the batch tensor) without holding the lock, and file
// the result under its number; next() waits for exactly the number it must deliver. Each claim
// carries the generation it belongs to, so a batch finished after start_epoch (or during
// destruction) is dropped, and workers check between samples so they leave stale work quickly.
#include "tessera/data/loader.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <utility>

#include "tessera/core/error.h"
#include "tessera/core/logging.h"
#include "tessera/io/dicom.h"
#include "tessera/io/image.h"
#include "tessera/ops/medical.h"
#include "tessera/ops/image_view.h"
#include "tessera/ops/preprocess.h"

namespace tessera::data {

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

std::uint64_t sample_seed(std::uint64_t seed, std::int64_t epoch, std::size_t index) {
  std::uint64_t h = splitmix64(seed ^ 0x73616D706C65ULL);  // "sample": a stream apart from the shuffle's
  h = splitmix64(h ^ static_cast<std::uint64_t>(epoch));
  return splitmix64(h ^ static_cast<std::uint64_t>(index));
}

std::vector<std::size_t> epoch_permutation(std::size_t n, std::uint64_t seed, std::int64_t epoch) {
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  std::uint64_t state = splitmix64(splitmix64(seed ^ 0x73687566666CULL) ^ static_cast<std::uint64_t>(epoch));
  auto next = [&state] {
    state += 0x9E3779B97F4A7C15ULL;
    return splitmix64(state);
  };
  // Unbiased draw in [0, bound) (Lemire's multiply-and-reject), then Fisher-Yates.
  auto below = [&next](std::uint64_t bound) {
    while (true) {
      const unsigned __int128 m = static_cast<unsigned __int128>(next()) * bound;
      const auto low = static_cast<std::uint64_t>(m);
      if (low >= bound || low >= (-bound) % bound) return static_cast<std::uint64_t>(m >> 64);
    }
  };
  for (std::size_t i = n; i > 1; --i) {
    const std::size_t j = static_cast<std::size_t>(below(i));
    std::swap(order[i - 1], order[j]);
  }
  return order;
}

struct BatchLoader::Plan {
  std::int64_t epoch = 0;
  std::vector<std::size_t> order;
  std::size_t num_batches = 0;
};

struct BatchLoader::Decoded {
  io::Image image;      // image datasets
  io::DicomStored dicom;  // DICOM datasets: the stored words of the single frame
  ops::MedicalIntensity intensity;  // DICOM: its intensity chain, window applied
  std::string failure;  // non-empty: the file could not be decoded (DecodeError's message)
  int height() const { return dicom.meta.rows > 0 ? dicom.meta.rows : image.height; }
  int width() const { return dicom.meta.rows > 0 ? dicom.meta.columns : image.width; }
};

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

BatchLoader::BatchLoader(ClassificationDataset dataset, LoaderOptions options)
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
  dicom_ = is_dicom_dataset(dataset_);
  if (dicom_) {
    if (!io::dicom_available()) {
      throw UserError("dataset " + dataset_.root.string() + " holds DICOM files but this build has no DICOM support "
                      "(configure with -DTESSERA_WITH_DCMTK=ON)");
    }
    for (const auto* values : {&o.preprocess.mean, &o.preprocess.std}) {
      if (std::adjacent_find(values->begin(), values->end(), std::not_equal_to<>()) != values->end()) {
        throw UserError(std::string("data ") + (values == &o.preprocess.mean ? "mean" : "std") +
                        " must hold the same value for every channel with DICOM data (one grey plane, replicated "
                        "to all channels after windowing to [0, 1]), e.g. [0.5, 0.5, 0.5]");
      }
    }
    if (o.window.mode == ops::WindowChoice::Mode::fixed && !(o.window.width >= 1.0f)) {
      throw UserError("data window width must be >= 1, got " + std::to_string(o.window.width));
    }
  }
  auto& spec = o.preprocess;
  if (spec.out_h <= 0 || spec.out_w <= 0) {
    if (spec.resize_h > 0 && spec.resize_w > 0) {
      spec.out_h = spec.resize_h;
      spec.out_w = spec.resize_w;
    } else {
      // No size anywhere: the first decodable image sets it (the digits and MNIST-like sets).
      for (const auto& s : dataset_.samples) {
        try {
          if (dicom_) {
            const io::DicomMetadata first = io::read_dicom_header(s.path);
            spec.out_h = first.rows;
            spec.out_w = first.columns;
          } else {
            const io::Image first = io::decode_image(s.path, o.channels);
            spec.out_h = first.height;
            spec.out_w = first.width;
          }
          break;
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
  for (int i = 0; i < o.workers; ++i) workers_.emplace_back([this] { worker_loop(); });
}

BatchLoader::~BatchLoader() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
    ++generation_;
    live_generation_ = generation_;
  }
  work_cv_.notify_all();
  ready_cv_.notify_all();
  for (auto& t : workers_) t.join();
}

void BatchLoader::set_shard(int rank, int count, ShardPadding padding) {
  check_shard(rank, count);
  // Only start_epoch reads these (the workers never do), on the caller's thread.
  options_.shard_rank = rank;
  options_.shard_count = count;
  options_.shard_padding = padding;
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

void BatchLoader::start_epoch(std::int64_t epoch, std::size_t skip_batches) {
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
  const std::size_t first = std::min(skip_batches, plan->num_batches);
  {
    std::lock_guard lock(mutex_);
    plan_ = std::move(plan);
    ++generation_;
    live_generation_ = generation_;
    next_claim_ = first;
    delivered_ = first;
    ready_.clear();
  }
  work_cv_.notify_all();
}

std::optional<Batch> BatchLoader::next() {
  std::unique_lock lock(mutex_);
  if (!plan_) throw std::logic_error("BatchLoader::next() called before start_epoch()");
  if (delivered_ >= plan_->num_batches) return std::nullopt;
  const std::size_t wanted = delivered_;
  Result result;
  if (workers_.empty()) {
    // No threads: build the batch here, without the lock (nothing else touches the state).
    auto plan = plan_;
    const auto generation = generation_;
    lock.unlock();
    result = produce(*plan, wanted, generation);
    lock.lock();
  } else {
    ready_cv_.wait(lock, [&] { return ready_.count(wanted) > 0; });
    auto node = ready_.extract(wanted);
    result = std::move(node.mapped());
  }
  ++delivered_;
  lock.unlock();
  work_cv_.notify_all();
  if (result.error) std::rethrow_exception(result.error);
  return std::move(result.batch);
}

void BatchLoader::worker_loop() {
  std::unique_lock lock(mutex_);
  while (true) {
    work_cv_.wait(lock, [&] {
      return stop_ || (plan_ && next_claim_ < plan_->num_batches &&
                       next_claim_ < delivered_ + static_cast<std::size_t>(options_.prefetch_batches));
    });
    if (stop_) return;
    const auto plan = plan_;
    const std::size_t index = next_claim_++;
    const std::uint64_t generation = generation_;
    lock.unlock();
    Result result = produce(*plan, index, generation);
    lock.lock();
    if (generation == generation_ && !stop_) {
      ready_.emplace(index, std::move(result));
      ready_cv_.notify_all();
    }
  }
}

std::shared_ptr<const BatchLoader::Decoded> BatchLoader::decode(std::size_t index) {
  if (options_.cache_decoded) {
    std::lock_guard lock(cache_mutex_);
    if (cache_[index]) return cache_[index];
  }
  auto decoded = std::make_shared<Decoded>();
  if (dicom_) {
    // io::decode_dicom_stored's messages carry neither the path nor header values (dicom.h).
    try {
      decoded->dicom = io::decode_dicom_stored(dataset_.samples[index].path);
      const auto& meta = decoded->dicom.meta;
      if (meta.frames != 1) {
        throw DecodeError("multi-frame DICOM (" + std::to_string(meta.frames) +
                          " frames) is not a 2-D image; classification datasets take single-frame files");
      }
      decoded->intensity =
          ops::intensity_for(meta, decoded->dicom.words.data(), decoded->dicom.words.size(), options_.window);
    } catch (const DecodeError& e) {
      decoded->failure = e.what();
    } catch (const std::invalid_argument& e) {  // intensity_of: colour or more than 16 bits stored
      decoded->failure = e.what();
    }
    if (!decoded->failure.empty()) decoded->dicom = {};
  } else {
    try {
      decoded->image = io::decode_image(dataset_.samples[index].path, options_.channels);
    } catch (const DecodeError& e) {
      decoded->failure = e.what();
    }
  }
  std::lock_guard lock(cache_mutex_);
  if (!decoded->failure.empty() && !warned_[index]) {
    warned_[index] = true;
    if (dicom_) {
      log::warn("skipping an unreadable DICOM file, ", dicom_sample_reference(dataset_, index), ": ", decoded->failure);
    } else {
      // DecodeError messages name the file ("cannot decode <path>: <reason>").
      log::warn("skipping a corrupt image: ", decoded->failure);
    }
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

ops::PackedBatch BatchLoader::pack(const std::vector<std::shared_ptr<const Decoded>>& images) const {
  ops::PackedBatch packed;
  packed.channels = options_.channels;
  std::int64_t total = 0;
  if (dicom_) {  // the stored 16-bit words, one plane; the kernel replicates it to the channels
    packed.channels = 1;
    for (const auto& decoded : images) {
      packed.sources.push_back({total, decoded->dicom.meta.rows, decoded->dicom.meta.columns});
      total += static_cast<std::int64_t>(decoded->dicom.words.size());
    }
    packed.values = torch::empty({total}, torch::TensorOptions().dtype(torch::kInt16).pinned_memory(pinned_));
    auto* out = reinterpret_cast<std::uint16_t*>(packed.values.data_ptr<std::int16_t>());
    for (std::size_t i = 0; i < images.size(); ++i) {
      const auto& words = images[i]->dicom.words;
      std::copy(words.begin(), words.end(), out + packed.sources[i].offset);
    }
    return packed;
  }
  for (const auto& decoded : images) {
    packed.sources.push_back({total, decoded->image.height, decoded->image.width});
    total += static_cast<std::int64_t>(decoded->image.pixels.size());
  }
  packed.values = torch::empty({total}, torch::TensorOptions().dtype(torch::kUInt8).pinned_memory(pinned_));
  auto* out = packed.values.data_ptr<std::uint8_t>();
  for (std::size_t i = 0; i < images.size(); ++i) {
    const auto& pixels = images[i]->image.pixels;
    std::copy(pixels.begin(), pixels.end(), out + packed.sources[i].offset);
  }
  return packed;
}

BatchLoader::Result BatchLoader::produce(const Plan& plan, std::size_t batch_index, std::uint64_t generation) {
  Result result;
  try {
    const auto& spec = options_.preprocess;
    const ops::MedicalPreprocessSpec medical = medical_spec(options_);
    const std::size_t begin = batch_index * static_cast<std::size_t>(options_.batch_size);
    const std::size_t end = std::min(begin + static_cast<std::size_t>(options_.batch_size), plan.order.size());
    const auto rows = static_cast<std::int64_t>(end - begin);
    const std::int64_t sample_floats = static_cast<std::int64_t>(options_.channels) * spec.out_h * spec.out_w;

    Batch batch;
    torch::Tensor images;  // float path: each sample is preprocessed straight into its row
    if (!options_.packed) {
      images = torch::empty({rows, options_.channels, spec.out_h, spec.out_w},
                            torch::TensorOptions().dtype(torch::kFloat32).pinned_memory(pinned_));
    }
    std::vector<std::shared_ptr<const Decoded>> kept;  // packed path: the decoded images until packed
    torch::Tensor labels = torch::empty({rows}, torch::TensorOptions().dtype(torch::kInt64).pinned_memory(pinned_));
    std::int64_t* label_out = labels.data_ptr<std::int64_t>();
    std::int64_t filled = 0;
    batch.indices.reserve(static_cast<std::size_t>(rows));
    for (std::size_t k = begin; k < end; ++k) {
      if (live_generation_.load(std::memory_order_relaxed) != generation) return result;  // abandoned
      const std::size_t index = plan.order[k];
      const auto decoded = decode(index);
      if (!decoded->failure.empty()) {
        if (dicom_) batch.failures.push_back({dicom_sample_reference(dataset_, index), decoded->failure, index});
        else batch.failures.push_back({dataset_.samples[index].path, decoded->failure, index});
        continue;
      }
      try {
        const ops::SampleParams params = draw_params(plan.epoch, index, decoded->height(), decoded->width());
        float* row = options_.packed ? nullptr : images.data_ptr<float>() + filled * sample_floats;
        if (options_.packed) {
          kept.push_back(decoded);
          batch.params.push_back(params);
          if (dicom_) batch.intensities.push_back(decoded->intensity);
        } else if (dicom_) {
          const auto& d = *decoded;
          ops::medical_to_chw(d.dicom.words.data(), d.height(), d.width(), medical, d.intensity, params, row);
        } else {
          const io::Image& img = decoded->image;
          const ops::ImageU8View view{img.pixels.data(), img.height, img.width, img.channels};
          ops::preprocess_to_chw(view, spec, params, row);
        }
      } catch (const std::invalid_argument& e) {  // e.g. a crop larger than this (padded) image
        const std::string what = dicom_ ? dicom_sample_reference(dataset_, index) : dataset_.samples[index].path.string();
        throw UserError("cannot preprocess " + what + ": " + e.what());
      }
      label_out[filled] = dataset_.samples[index].label;
      batch.indices.push_back(index);
      ++filled;
    }
    // The failed samples were skipped, so the good rows are packed at the front: a prefix view
    // of a contiguous tensor is still contiguous.
    if (options_.packed) {
      batch.packed = pack(kept);
    } else {
      batch.images = filled == rows ? images : images.narrow(0, 0, filled);
    }
    batch.labels = filled == rows ? labels : labels.narrow(0, 0, filled);
    result.batch = std::move(batch);
  } catch (...) {
    result.error = std::current_exception();
  }
  return result;
}

}  // namespace tessera::data
