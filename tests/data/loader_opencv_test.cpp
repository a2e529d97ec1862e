// The threaded batch loader on small PNGs written by the test.
#include "tessera/data/loader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <numeric>
#include <set>

#include "support/temp_dir.h"
#include "tessera/core/error.h"
#include "tessera/io/image.h"
#include "tessera/ops/preprocess_images.h"

namespace tessera::data {
namespace {

using tessera::testing::TempDir;
using tessera::testing::write_text;
namespace fs = std::filesystem;

// n grey (or RGB) images of 12x10, each with its own pattern, classes "0", "1", "2" by i % 3.
ClassificationDataset make_dataset(const TempDir& t, int n, int channels = 1) {
  ClassificationDataset ds;
  ds.classes = {"0", "1", "2"};
  ds.root = t.path();
  for (int i = 0; i < n; ++i) {
    io::Image img{12, 10, channels, {}};
    img.pixels.resize(static_cast<std::size_t>(12 * 10 * channels));
    for (std::size_t p = 0; p < img.pixels.size(); ++p) img.pixels[p] = static_cast<std::uint8_t>((i * 37 + p * 11 + p / 7) % 256);
    const fs::path path = t / ("img" + std::to_string(i) + ".png");
    io::write_png(path, img);
    ds.samples.push_back({path, i % 3});
  }
  return ds;
}

LoaderOptions small_options() {
  LoaderOptions o;
  o.batch_size = 5;
  o.workers = 2;
  o.prefetch_batches = 2;
  o.preprocess.out_h = 8;
  o.preprocess.out_w = 8;
  o.preprocess.mean = {0.5f};
  o.preprocess.std = {0.25f};
  return o;
}

std::vector<Batch> run_epoch(BatchLoader& loader, std::int64_t epoch) {
  loader.start_epoch(epoch);
  std::vector<Batch> out;
  while (auto b = loader.next()) out.push_back(std::move(*b));
  EXPECT_FALSE(loader.next().has_value());  // stays at the end
  return out;
}

std::vector<std::size_t> order_of(const std::vector<Batch>& batches) {
  std::vector<std::size_t> order;
  for (const auto& b : batches) order.insert(order.end(), b.indices.begin(), b.indices.end());
  return order;
}

bool same_batches(const std::vector<Batch>& a, const std::vector<Batch>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].indices != b[i].indices || !torch::equal(a[i].images, b[i].images) ||
        !torch::equal(a[i].labels, b[i].labels)) {
      return false;
    }
  }
  return true;
}

TEST(BatchLoader, EverySampleOncePerEpochWithCorrectPixelsAndLabels) {
  TempDir t;
  const auto ds = make_dataset(t, 23);
  auto o = small_options();
  o.shuffle = true;
  BatchLoader loader(ds, o);
  EXPECT_EQ(loader.batches_per_epoch(), 5u);
  const auto batches = run_epoch(loader, 0);
  ASSERT_EQ(batches.size(), 5u);
  std::vector<std::int64_t> sizes;
  for (const auto& b : batches) {
    sizes.push_back(b.images.size(0));
    EXPECT_TRUE(b.images.is_contiguous());
    EXPECT_EQ(b.images.dtype(), torch::kFloat32);
    EXPECT_EQ(b.labels.dtype(), torch::kInt64);
    EXPECT_EQ(b.images.sizes(), (std::vector<std::int64_t>{b.images.size(0), 1, 8, 8}));
    EXPECT_TRUE(b.failures.empty());
    for (std::size_t r = 0; r < b.indices.size(); ++r) {
      const auto& s = ds.samples[b.indices[r]];
      EXPECT_EQ(b.labels[static_cast<std::int64_t>(r)].item<std::int64_t>(), s.label);
      // The row is exactly the CPU reference on that file.
      const auto img = io::decode_image(s.path, 1);
      const auto params = ops::center_crop(loader.options().preprocess, img.height, img.width);
      std::vector<float> expected(64);
      ops::preprocess_images_reference({img.pixels.data(), img.height, img.width, 1}, loader.options().preprocess,
                                       params, expected.data());
      const auto row = b.images[static_cast<std::int64_t>(r)].contiguous();
      EXPECT_TRUE(std::equal(expected.begin(), expected.end(), row.data_ptr<float>())) << "index " << b.indices[r];
    }
  }
  EXPECT_EQ(sizes, (std::vector<std::int64_t>{5, 5, 5, 5, 3}));
  auto order = order_of(batches);
  EXPECT_NE(order, [] { std::vector<std::size_t> v(23); for (std::size_t i = 0; i < 23; ++i) v[i] = i; return v; }());
  std::sort(order.begin(), order.end());
  for (std::size_t i = 0; i < 23; ++i) EXPECT_EQ(order[i], i);
}

TEST(BatchLoader, DatasetOrderWithoutShuffleAndDropLast) {
  TempDir t;
  const auto ds = make_dataset(t, 23);
  auto o = small_options();
  o.drop_last = true;
  BatchLoader loader(ds, o);
  EXPECT_EQ(loader.batches_per_epoch(), 4u);
  const auto batches = run_epoch(loader, 3);
  ASSERT_EQ(batches.size(), 4u);
  const auto order = order_of(batches);
  ASSERT_EQ(order.size(), 20u);
  for (std::size_t i = 0; i < 20; ++i) EXPECT_EQ(order[i], i);
  for (const auto& b : batches) EXPECT_EQ(b.images.size(0), 5);
}

TEST(BatchLoader, SameSeedAndEpochGiveIdenticalBatchesWhateverTheWorkers) {
  TempDir t;
  const auto ds = make_dataset(t, 31, 3);
  auto o = small_options();
  o.channels = 3;
  o.preprocess.mean = {0.4f, 0.5f, 0.6f};
  o.preprocess.std = {0.2f, 0.25f, 0.3f};
  o.shuffle = true;
  o.augment = true;
  o.pad = 2;
  o.hflip = 0.5;
  o.seed = 1234;
  std::vector<std::vector<Batch>> runs;
  for (int workers : {1, 3, 0}) {
    o.workers = workers;
    o.prefetch_batches = workers == 3 ? 5 : 1;
    o.cache_decoded = workers == 3;
    BatchLoader loader(ds, o);
    run_epoch(loader, 6);  // a different epoch first: state from it must not leak
    runs.push_back(run_epoch(loader, 7));
  }
  EXPECT_EQ(runs[0][0].images.size(1), 3);
  EXPECT_TRUE(same_batches(runs[0], runs[1]));
  EXPECT_TRUE(same_batches(runs[0], runs[2]));
}

// Two ranks of a data-parallel job: each reads its shard of the same shuffled order, so batch j of
// rank 0 and batch j of rank 1 together hold exactly the samples of batch j of one process with
// twice the batch (what makes 2 x B equal 1 x 2B), the same pixels as that process gives them,
// and both ranks run the same number of steps. Evaluation shards cover every sample once.
TEST(BatchLoader, ShardsSplitEachBatchOfTheWholeAcrossRanks) {
  TempDir t;
  const auto ds = make_dataset(t, 23);
  auto o = small_options();
  o.shuffle = true;
  o.augment = true;
  o.pad = 2;
  o.hflip = 0.5;
  o.seed = 99;
  auto whole_options = o;
  whole_options.batch_size = 2 * o.batch_size;
  BatchLoader whole(ds, whole_options);
  const auto reference = run_epoch(whole, 4);
  std::vector<std::vector<Batch>> ranks;
  for (int rank = 0; rank < 2; ++rank) {
    auto r = o;
    r.shard_rank = rank;
    r.shard_count = 2;
    BatchLoader loader(ds, r);
    EXPECT_EQ(loader.samples_per_epoch(), 12u);  // 23 padded to 24, halved
    EXPECT_EQ(loader.batches_per_epoch(), 3u);
    ranks.push_back(run_epoch(loader, 4));
  }
  ASSERT_EQ(ranks[0].size(), ranks[1].size());
  ASSERT_EQ(ranks[0].size(), reference.size());
  for (std::size_t j = 0; j < reference.size(); ++j) {
    std::multiset<std::size_t> together(ranks[0][j].indices.begin(), ranks[0][j].indices.end());
    together.insert(ranks[1][j].indices.begin(), ranks[1][j].indices.end());
    std::multiset<std::size_t> expected(reference[j].indices.begin(), reference[j].indices.end());
    if (j + 1 == reference.size()) expected.insert(reference[0].indices[0]);  // the padding repeats the start
    EXPECT_EQ(together, expected) << "batch " << j;
    // Same sample, same epoch: the same augmented pixels on any rank.
    for (int rank = 0; rank < 2; ++rank) {
      const auto& batch = ranks[static_cast<std::size_t>(rank)][j];
      for (std::size_t k = 0; k < batch.indices.size(); ++k) {
        const auto& ref = reference[j].indices;
        const auto at = std::find(ref.begin(), ref.end(), batch.indices[k]);
        if (at == ref.end()) continue;  // the padded repeat lives in batch 0 of the reference
        EXPECT_TRUE(torch::equal(batch.images[static_cast<std::int64_t>(k)],
                                 reference[j].images[static_cast<std::int64_t>(at - ref.begin())]));
      }
    }
  }
  // Evaluation: no padding, so 12 + 11 samples, each once.
  std::vector<std::size_t> all;
  for (int rank = 0; rank < 2; ++rank) {
    auto r = o;
    r.shuffle = false;
    r.augment = false;
    r.shard_rank = rank;
    r.shard_count = 2;
    r.shard_padding = ShardPadding::none;
    BatchLoader loader(ds, r);
    EXPECT_EQ(loader.samples_per_epoch(), rank == 0 ? 12u : 11u);
    const auto order = order_of(run_epoch(loader, 0));
    all.insert(all.end(), order.begin(), order.end());
  }
  std::sort(all.begin(), all.end());
  std::vector<std::size_t> every(23);
  std::iota(every.begin(), every.end(), 0);
  EXPECT_EQ(all, every);
  auto bad = o;
  bad.shard_rank = 2;
  bad.shard_count = 2;
  EXPECT_THROW(BatchLoader(ds, bad), UserError);
}

TEST(BatchLoader, EpochsDifferAndRepeat) {
  TempDir t;
  const auto ds = make_dataset(t, 40);
  auto o = small_options();
  o.shuffle = true;
  o.seed = 9;
  BatchLoader loader(ds, o);
  const auto e1 = run_epoch(loader, 1);
  const auto e2 = run_epoch(loader, 2);
  const auto e1_again = run_epoch(loader, 1);
  EXPECT_NE(order_of(e1), order_of(e2));
  EXPECT_TRUE(same_batches(e1, e1_again));
  o.seed = 10;
  BatchLoader other_seed(ds, o);
  EXPECT_NE(order_of(run_epoch(other_seed, 1)), order_of(e1));
  EXPECT_EQ(epoch_permutation(40, 9, 1), order_of(e1));
}

// Sample index -> its row, over one epoch.
std::map<std::size_t, torch::Tensor> rows_by_index(const std::vector<Batch>& batches) {
  std::map<std::size_t, torch::Tensor> rows;
  for (const auto& b : batches) {
    for (std::size_t r = 0; r < b.indices.size(); ++r) rows[b.indices[r]] = b.images[static_cast<std::int64_t>(r)];
  }
  return rows;
}

TEST(BatchLoader, AugmentationChangesPixelsOnlyWhenOn) {
  TempDir t;
  const auto ds = make_dataset(t, 12);
  auto o = small_options();
  o.shuffle = true;
  o.pad = 2;
  o.hflip = 0.5;
  {
    BatchLoader plain(ds, o);  // pad and hflip are ignored without augment
    const auto a = rows_by_index(run_epoch(plain, 0));
    const auto b = rows_by_index(run_epoch(plain, 1));
    for (const auto& [i, row] : a) EXPECT_TRUE(torch::equal(row, b.at(i))) << i;
  }
  o.augment = true;
  BatchLoader augmented(ds, o);
  const auto a = rows_by_index(run_epoch(augmented, 0));
  const auto b = rows_by_index(run_epoch(augmented, 1));
  int changed = 0;
  for (const auto& [i, row] : a) changed += !torch::equal(row, b.at(i));
  EXPECT_GE(changed, 8);  // 12 samples, 25 crops x 2 flips each: a repeat is rare
}

TEST(BatchLoader, CorruptFileBecomesAFailureAndTheRestArrives) {
  TempDir t;
  auto ds = make_dataset(t, 11);
  const fs::path bad = t / "broken.png";
  write_text(bad, "this is not a png");
  ds.samples.insert(ds.samples.begin() + 4, Sample{bad, 1});
  for (bool cache : {false, true}) {
    auto o = small_options();
    o.cache_decoded = cache;
    BatchLoader loader(ds, o);
    for (int epoch = 0; epoch < 2; ++epoch) {
      const auto batches = run_epoch(loader, epoch);
      ASSERT_EQ(batches.size(), 3u);
      std::size_t rows = 0, failures = 0;
      for (const auto& b : batches) {
        rows += static_cast<std::size_t>(b.images.size(0));
        EXPECT_EQ(b.labels.size(0), b.images.size(0));
        EXPECT_TRUE(b.images.is_contiguous());
        for (const auto& f : b.failures) {
          ++failures;
          EXPECT_EQ(f.path, bad);
          EXPECT_NE(f.reason.find("broken.png"), std::string::npos) << f.reason;
        }
      }
      EXPECT_EQ(rows, 11u);
      EXPECT_EQ(failures, 1u);
      EXPECT_EQ(batches[0].images.size(0), 4);
      EXPECT_EQ(batches[0].indices, (std::vector<std::size_t>{0, 1, 2, 3}));
    }
  }
}

TEST(BatchLoader, OtherErrorsReachTheCallerAndTheEpochGoesOn) {
  TempDir t;
  auto ds = make_dataset(t, 10);
  fs::remove(ds.samples[6].path);  // missing: a UserError, not a decode failure
  auto o = small_options();
  BatchLoader loader(ds, o);
  loader.start_epoch(0);
  EXPECT_TRUE(loader.next().has_value());
  EXPECT_THROW(loader.next(), UserError);
  EXPECT_FALSE(loader.next().has_value());
}

// A run resumed mid-epoch starts the epoch at a batch: it gets exactly the batches an
// uninterrupted epoch delivers from there, same order and same augmentation draws.
TEST(BatchLoader, SkippingBatchesDeliversTheRestOfTheSameEpoch) {
  TempDir t;
  const auto ds = make_dataset(t, 23);
  auto o = small_options();
  o.batch_size = 4;
  o.shuffle = true;
  o.augment = true;
  o.pad = 2;
  o.hflip = 0.5;
  BatchLoader whole(ds, o), resumed(ds, o);
  const auto all = run_epoch(whole, 3);
  resumed.start_epoch(3, 2);
  std::vector<Batch> rest;
  while (auto batch = resumed.next()) rest.push_back(std::move(*batch));
  ASSERT_EQ(rest.size(), all.size() - 2);
  for (std::size_t i = 0; i < rest.size(); ++i) {
    EXPECT_EQ(rest[i].indices, all[i + 2].indices);
    EXPECT_TRUE(torch::equal(rest[i].images, all[i + 2].images)) << "batch " << i + 2;
  }
  resumed.start_epoch(3, 100);  // past the end: an empty epoch, not an error
  EXPECT_FALSE(resumed.next().has_value());
}

TEST(BatchLoader, StoppingMidEpochNeitherHangsNorLeaks) {
  TempDir t;
  const auto ds = make_dataset(t, 60);
  auto o = small_options();
  o.batch_size = 2;
  o.workers = 3;
  o.prefetch_batches = 3;
  o.shuffle = true;
  const auto start = std::chrono::steady_clock::now();
  for (int round = 0; round < 20; ++round) {
    BatchLoader loader(ds, o);
    loader.start_epoch(0);
    if (round % 2) ASSERT_TRUE(loader.next().has_value());
    if (round % 3 == 0) {
      // Restart mid-epoch: the new epoch is complete and in order despite the abandoned work.
      loader.start_epoch(1);
      const auto batches = run_epoch(loader, 1);
      EXPECT_EQ(order_of(batches), epoch_permutation(60, 0, 1));
    }
  }  // destroyed with work in flight
  {
    BatchLoader never_started(ds, o);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

TEST(BatchLoader, RejectsBadOptionsAndUseBeforeStart) {
  TempDir t;
  const auto ds = make_dataset(t, 3);
  auto o = small_options();
  o.batch_size = 0;
  EXPECT_THROW(BatchLoader(ds, o), UserError);
  o = small_options();
  o.channels = 2;
  EXPECT_THROW(BatchLoader(ds, o), UserError);
  o = small_options();
  o.preprocess.mean = {0.1f, 0.2f};
  EXPECT_THROW(BatchLoader(ds, o), UserError);
  o = small_options();
  BatchLoader loader(ds, o);
  EXPECT_THROW(loader.next(), std::logic_error);
  o.augment = true;  // a 16x16 random crop cannot fit a 12x10 image without padding
  o.preprocess.out_h = o.preprocess.out_w = 16;
  // Every sample fails; the error names the first one, however many workers race for them.
  for (const int workers : {0, 1, 2, 8}) {
    o.workers = workers;
    BatchLoader too_small(ds, o);
    too_small.start_epoch(0);
    try {
      too_small.next();
      ADD_FAILURE() << "no error with " << workers << " workers";
    } catch (const UserError& e) {
      EXPECT_NE(std::string(e.what()).find("img0.png"), std::string::npos) << workers << " workers: " << e.what();
    }
  }
}

TEST(BatchLoader, OutputSizeDefaultsToTheImageSize) {
  TempDir t;
  const auto ds = make_dataset(t, 3);
  LoaderOptions o;
  o.batch_size = 2;
  BatchLoader loader(ds, o);
  loader.start_epoch(0);
  const auto b = loader.next();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->images.sizes(), (std::vector<std::int64_t>{2, 1, 12, 10}));
  const auto img = io::decode_image(ds.samples[0].path, 1);
  EXPECT_FLOAT_EQ(b->images[0][0][3][4].item<float>(), img.pixels[3 * 10 + 4] / 255.0f);
}

// The packed output (for the GPU kernel) carries exactly the decoded images and the crop/flip
// the float path used: preprocessing it gives the float path's batch, augmentation included.
TEST(BatchLoader, PackedBatchesPreprocessToTheFloatBatches) {
  TempDir t;
  for (int channels : {1, 3}) {
    auto options = small_options();
    options.channels = channels;
    options.preprocess.mean.assign(static_cast<std::size_t>(channels), 0.5f);
    options.preprocess.std.assign(static_cast<std::size_t>(channels), 0.25f);
    options.shuffle = true;
    options.augment = true;
    options.pad = 2;
    options.hflip = 0.5;
    options.seed = 11;
    const auto dataset = make_dataset(t, 13, channels);
    BatchLoader floats(dataset, options);
    options.packed = true;
    BatchLoader packed(dataset, options);
    const auto expected = run_epoch(floats, 3);
    const auto actual = run_epoch(packed, 3);
    ASSERT_EQ(actual.size(), expected.size());
    for (std::size_t i = 0; i < actual.size(); ++i) {
      const Batch& b = actual[i];
      EXPECT_FALSE(b.images.defined());
      EXPECT_EQ(b.indices, expected[i].indices);
      EXPECT_TRUE(torch::equal(b.labels, expected[i].labels));
      ASSERT_EQ(b.packed.sources.size(), b.indices.size());
      ASSERT_EQ(b.params.size(), b.indices.size());
      EXPECT_EQ(b.packed.channels, channels);
      EXPECT_EQ(b.packed.values.scalar_type(), torch::kUInt8);
      EXPECT_EQ(b.packed.values.numel(), static_cast<std::int64_t>(b.indices.size()) * 12 * 10 * channels);
      const torch::Tensor images = ops::preprocess_images(b.packed, packed.options().preprocess, b.params);
      EXPECT_TRUE(torch::equal(images, expected[i].images)) << "batch " << i << ", " << channels << " channel(s)";
    }
  }
}

TEST(SampleSeed, DependsOnSeedEpochAndIndexOnly) {
  EXPECT_EQ(sample_seed(1, 2, 3), sample_seed(1, 2, 3));
  EXPECT_NE(sample_seed(1, 2, 3), sample_seed(1, 2, 4));
  EXPECT_NE(sample_seed(1, 2, 3), sample_seed(1, 3, 3));
  EXPECT_NE(sample_seed(1, 2, 3), sample_seed(2, 2, 3));
  EXPECT_EQ(splitmix64(0), 0xE220A8397B1DCDAFULL);  // the reference implementation's first output
}

}  // namespace
}  // namespace tessera::data
