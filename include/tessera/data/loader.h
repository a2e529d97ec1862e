#pragma once
// The threaded batch loader. A scheduler hands out work a few samples at a time, so every worker
// helps with the batch the consumer waits for; each sample is decoded by its source
// (sample_source.h) and preprocessed straight into its row of the batch tensor; a batch is
// delivered, strictly in order, once its last sample is done. `prefetch_batches` bounds how many
// samples are in flight (memory), never how many threads decode at once. Everything random
// depends only on (seed, epoch, dataset index), never on thread timing, so batches are bit for bit
// the same for any number of workers, and a resumed run reproduces an uninterrupted one.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <torch/torch.h>

#include "tessera/core/random.h"
#include "tessera/data/dataset.h"
#include "tessera/data/sample_source.h"
#include "tessera/data/shard.h"
#include "tessera/ops/dicom_intensity.h"
#include "tessera/ops/preprocess_images.h"
#include "tessera/ops/preprocess_medical.h"

namespace tessera::data {

class TensorPool;  // loader.cpp's recycled batch tensors

struct LoaderOptions {
  std::int64_t batch_size = 64;
  int workers = 2;               // decode threads; 0 decodes inside next() (debugging, profiling)
  int prefetch_batches = 4;      // samples in flight: up to this many batches' worth (at least one
                                 // sample per worker), decoded ahead of the consumer
  // When every sample of the epoch has been handed out, go on decoding the first batches of the
  // epoch that follows (epoch + 1; the same epoch again when neither shuffle nor augment makes
  // batches depend on it), kept if the next start_epoch asks for it from its first batch. For
  // loaders that run epoch after epoch (training, validation); a one-pass loader would waste it.
  bool prefetch_across_epochs = false;
  bool shuffle = false;
  bool drop_last = false;
  std::uint64_t seed = 0;
  int channels = 1;              // decode as grey (1) or RGB (3)
  ops::ImagePreprocessSpec preprocess;  // resize/crop/normalise; out_h/out_w 0 = the resize size,
                                        // or (no resize either) the size of the first image
  bool augment = false;          // random_crop(pad, hflip) per sample; otherwise center_crop
  int pad = 0;
  double hflip = 0.0;
  bool cache_decoded = false;    // keep decoded u8 images (and decode failures) in memory
  // Deliver the decoded u8 images packed back to back (Batch::packed, pinned) with their drawn
  // crop/flip (Batch::params) instead of preprocessed floats, so a GPU kernel can do the rest
  // (ops::preprocess_images). The parameters are the ones the float path would use.
  bool packed = false;
  // Data-parallel training and evaluation: this process reads only its shard of every epoch's
  // order (data/shard.h), the same seeded order on every rank. Training pads the order so every
  // rank runs the same number of steps; evaluation does not, so each sample counts once.
  int shard_rank = 0;
  int shard_count = 1;
  ShardPadding shard_padding = ShardPadding::repeat_to_equal;
  // DICOM datasets (data::is_dicom_dataset): how modality values are windowed to [0, 1].
  // preprocess.mean/std must then hold one value for all channels (the grey plane is replicated).
  ops::WindowChoice window;
};

// A sample that could not be read. For a DICOM sample `path` is NOT the file's path but an opaque
// reference, "dicom sample #<dataset index> (<8 hex digits of a hash of the path>)", and `reason`
// names the problem only: file paths often hold patient names or IDs, and failures are logged.
struct Failure {
  std::filesystem::path path;
  std::string reason;
  std::size_t index = 0;  // dataset index of the sample
};

// The reference logged and reported for DICOM sample `index` instead of its path: the index plus
// FNV-1a (32 bit) of the path's generic string, so a user holding the dataset can find the file
// but logs carry nothing readable from the path.
std::string dicom_sample_reference(const ClassificationDataset& dataset, std::size_t index);

// The same form for anything else named by a path: "<kind> #<index> (<FNV-1a of the path>)".
std::string opaque_reference(const std::string& kind, std::size_t index, const std::filesystem::path& path);

// The medical pipeline's spec for a DICOM dataset from LoaderOptions (mean/std: the first value).
ops::MedicalPreprocessSpec medical_spec(const LoaderOptions& options);

struct Batch {
  torch::Tensor images;              // float32 [B, C, out_h, out_w], contiguous (pinned when CUDA is available);
                                     // undefined with LoaderOptions::packed
  ops::PackedBatch packed;           // LoaderOptions::packed: the B decoded images, u8 HWC (pinned when CUDA is available);
                                     // for a DICOM dataset the stored 16-bit words, kInt16, channels 1
  std::vector<ops::SampleParams> params;  // LoaderOptions::packed: each row's crop and flip
  std::vector<ops::MedicalIntensity> intensities;  // LoaderOptions::packed, DICOM: each row's intensity chain
                                                   // (for ops::preprocess_medical with data::medical_spec)
  torch::Tensor labels;              // int64 [B]
  std::vector<std::size_t> indices;  // dataset indices of the rows of `images`
  std::vector<Failure> failures;     // samples of this batch that could not be decoded (not in images);
                                     // B can be 0 when every sample of the batch failed
  std::int64_t size() const { return static_cast<std::int64_t>(indices.size()); }
};

// The derived per-sample seed (core/random.h's splitmix64 of seed, epoch and index), exposed for
// tests and for anyone who needs to recompute a sample's augmentation outside the loader.
using tessera::splitmix64;
std::uint64_t sample_seed(std::uint64_t seed, std::int64_t epoch, std::size_t index);
// The epoch's visiting order: a Fisher-Yates shuffle driven by splitmix64 from (seed, epoch),
// identical on every platform and standard library.
std::vector<std::size_t> epoch_permutation(std::size_t n, std::uint64_t seed, std::int64_t epoch);

// `data.workers: auto`: one decode thread per core but one, which is left to the thread that
// drives the model (and the GPU); at least 1.
int auto_workers();

class BatchLoader {
 public:
  // Throws UserError for options that cannot work (batch_size < 1, channels not 1 or 3, ...).
  // The dataset's format picks its sample source (make_sample_source); tests and benchmarks pass
  // their own (synthetic_source).
  BatchLoader(ClassificationDataset dataset, LoaderOptions options, const SourceFactory& make_source = make_sample_source);
  ~BatchLoader();  // stops and joins the workers, even mid-epoch
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  // Abandons whatever is in flight and starts `epoch`: seeded shuffle from (seed, epoch) when
  // shuffle is on, dataset order otherwise. `skip_batches` > 0 starts at that batch of the epoch
  // without reading the ones before it (a run resumed mid-epoch); its batches are the ones an
  // uninterrupted epoch would deliver from there.
  void start_epoch(std::int64_t epoch, std::size_t skip_batches = 0);
  // The epoch's next batch, in order; nullopt at the end of the epoch. Corrupt files
  // (DecodeError) become Batch::failures; any other exception from a worker is rethrown here,
  // and the following call goes on with the next batch. Throws std::logic_error before the
  // first start_epoch.
  std::optional<Batch> next();
  std::size_t batches_per_epoch() const;
  std::size_t samples_per_epoch() const;  // this process's share when sharded
  // From the next start_epoch on, read only shard `rank` of `count` (LoaderOptions::shard_*). Call
  // it between epochs, from the thread that starts them. Throws UserError for a shard that does
  // not exist.
  void set_shard(int rank, int count, ShardPadding padding);
  const ClassificationDataset& dataset() const { return dataset_; }
  const LoaderOptions& options() const { return options_; }
  bool dicom() const { return dicom_; }  // the dataset is DICOM (the medical pipeline)

 private:
  struct Plan;
  struct Pending;
  struct Claim;
  struct Result {
    std::optional<Batch> batch;
    std::exception_ptr error;
  };

  std::shared_ptr<Plan> make_plan(std::int64_t epoch, std::size_t skip_batches) const;
  bool batches_depend_on_epoch() const { return options_.shuffle || options_.augment; }
  std::optional<Claim> claim_locked(std::size_t most);  // at most `most` samples
  void cancel_locked();
  void worker_loop();
  void work_on(const Claim& claim, std::unique_lock<std::mutex>& lock);
  void fill(const Claim& claim);
  void finish(const Claim& claim, std::exception_ptr error, std::unique_lock<std::mutex>& lock);
  Result finalize(const Plan& plan, Pending& pending) const;
  std::shared_ptr<const DecodedSample> decode(std::size_t index);
  ops::SampleParams draw_params(std::int64_t epoch, std::size_t index, int height, int width) const;

  ClassificationDataset dataset_;
  LoaderOptions options_;
  std::unique_ptr<SampleSource> source_;
  std::unique_ptr<TensorPool> pool_;  // pageable float batches, reused once the consumer drops them
  bool pinned_ = false;
  bool dicom_ = false;
  std::size_t claim_size_ = 1;        // samples per claim: small enough that all workers share a batch
  std::size_t window_ = 1;            // samples in flight at most (prefetch_batches, at least one claim per worker)

  std::mutex mutex_;                  // guards everything below but the atomics and the cache
  std::condition_variable work_cv_;   // workers wait for samples to claim
  std::condition_variable ready_cv_;  // next() waits for the batch it must deliver
  std::shared_ptr<Plan> current_;     // the epoch next() delivers from
  std::shared_ptr<Plan> ahead_;       // prefetch_across_epochs: the epoch expected next
  std::size_t in_flight_ = 0;         // samples claimed and not yet delivered
  bool stop_ = false;
  std::vector<std::thread> workers_;

  std::mutex cache_mutex_;            // guards cache_ and warned_
  std::vector<std::shared_ptr<const DecodedSample>> cache_;
  std::vector<bool> warned_;
};

}  // namespace tessera::data
