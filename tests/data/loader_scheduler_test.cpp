// The loader's scheduler, measured with a synthetic source whose "decode" sleeps (threads wait
// rather than compute), so a 2-core machine can show 8 workers at work. Bounds are loose (CI
// machines are shared); bench/bench_scheduler.cpp measures the same things precisely.
#include "tessera/data/loader.h"

#include <gtest/gtest.h>
#include <sched.h>

#include <chrono>
#include <thread>

#include "tessera/data/sample_source.h"

namespace tessera::data {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kDecode = std::chrono::milliseconds(10);

ClassificationDataset labels_only(std::size_t n) {
  ClassificationDataset ds;
  ds.classes = {"a", "b", "c"};
  ds.root = "synthetic";
  for (std::size_t i = 0; i < n; ++i) ds.samples.push_back({"synthetic/" + std::to_string(i), static_cast<std::int64_t>(i % 3)});
  return ds;
}

LoaderOptions options_for(int workers, int prefetch, std::int64_t batch) {
  LoaderOptions o;
  o.batch_size = batch;
  o.workers = workers;
  o.prefetch_batches = prefetch;
  o.shuffle = true;
  o.augment = true;
  o.pad = 2;
  o.hflip = 0.5;
  o.seed = 7;
  o.channels = 3;
  o.preprocess.out_h = 12;
  o.preprocess.out_w = 10;
  o.preprocess.mean = {0.5f};
  o.preprocess.std = {0.25f};
  return o;
}

// A BatchLoader cannot be moved: returning the prvalue relies on guaranteed copy elision.
BatchLoader synthetic_loader(std::size_t n, const LoaderOptions& o, std::chrono::microseconds decode) {
  return BatchLoader(labels_only(n), o, synthetic_source(14, 11, decode));
}

std::vector<Batch> epoch(BatchLoader& loader, std::int64_t e, std::size_t skip = 0) {
  loader.start_epoch(e, skip);
  std::vector<Batch> out;
  while (auto b = loader.next()) out.push_back(std::move(*b));
  return out;
}

void expect_same(const std::vector<Batch>& a, const std::vector<Batch>& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].indices, b[i].indices) << what << ", batch " << i;
    EXPECT_TRUE(torch::equal(a[i].images, b[i].images)) << what << ", batch " << i;
    EXPECT_TRUE(torch::equal(a[i].labels, b[i].labels)) << what << ", batch " << i;
  }
}

}  // namespace

TEST(LoaderScheduler, BatchesAreBitIdenticalForAnyWorkersAndPrefetch) {
  const auto reference_options = options_for(1, 1, 6);
  auto reference = synthetic_loader(47, reference_options, {});
  const auto e0 = epoch(reference, 0), e3 = epoch(reference, 3);
  for (int workers : {0, 2, 8}) {
    for (int prefetch : {1, 2, 8}) {
      auto o = options_for(workers, prefetch, 6);
      o.prefetch_across_epochs = workers == 8;  // decoded ahead or not, the same batches
      auto loader = synthetic_loader(47, o, {});
      const std::string what = std::to_string(workers) + " workers, prefetch " + std::to_string(prefetch);
      expect_same(epoch(loader, 0), e0, what + ", epoch 0");
      expect_same(epoch(loader, 3), e3, what + ", epoch 3");
    }
  }
}

// The old loader gave a whole batch to one thread and let min(workers, prefetch) threads decode.
TEST(LoaderScheduler, EightSleepingWorkersDeliverNearlyEightTimesOneAtAnyPrefetch) {
  for (int prefetch : {1, 2, 8}) {
    auto loader = synthetic_loader(320, options_for(8, prefetch, 16), std::chrono::duration_cast<std::chrono::microseconds>(kDecode));
    epoch(loader, 0);  // warm-up: threads started, allocator primed
    const auto t0 = Clock::now();
    std::size_t samples = 0;
    for (const auto& b : epoch(loader, 1)) samples += static_cast<std::size_t>(b.size());
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    const double rate = samples / seconds, ideal = 8 * 100.0;
    // The bench asks for >= 85% (bench/RESULTS.md); the test allows for a loaded CI machine.
    EXPECT_GT(rate, 0.5 * ideal) << "prefetch " << prefetch << ": " << rate << " samples/s of an ideal " << ideal;
    EXPECT_EQ(samples, 320u);
  }
}

TEST(LoaderScheduler, TheFirstBatchIsSharedByAllWorkers) {
  auto loader = synthetic_loader(256, options_for(8, 4, 32), std::chrono::duration_cast<std::chrono::microseconds>(kDecode));
  const auto t0 = Clock::now();
  loader.start_epoch(0);
  ASSERT_TRUE(loader.next().has_value());
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  // 32 samples over 8 threads: 4 decodes of 10 ms each, 0.04 s; one thread alone takes 0.32 s.
  EXPECT_LT(seconds, 0.16) << "the first batch took " << seconds << " s";
}

TEST(LoaderScheduler, TheNextEpochIsDecodedAheadAndKeptOnlyWhenItIsTheOneAskedFor) {
  auto o = options_for(4, 2, 8);
  o.prefetch_across_epochs = true;
  const auto decode = std::chrono::duration_cast<std::chrono::microseconds>(kDecode);
  auto ahead = synthetic_loader(64, o, decode);
  auto fresh = synthetic_loader(64, options_for(4, 2, 8), decode);
  epoch(ahead, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(150));  // time to decode epoch 1's first batches
  const auto t0 = Clock::now();
  ahead.start_epoch(1);
  auto first = ahead.next();
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  ASSERT_TRUE(first.has_value());
  EXPECT_LT(seconds, 0.5 * 0.02) << "epoch 1's first batch was not ready: " << seconds << " s";  // 8 samples / 4 threads = 20 ms
  std::vector<Batch> rest{std::move(*first)};
  while (auto b = ahead.next()) rest.push_back(std::move(*b));
  expect_same(rest, epoch(fresh, 1), "epoch 1 decoded ahead");
  // Asked for another epoch, or from a later batch: the work ahead is dropped, the batches right.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  expect_same(epoch(ahead, 5), epoch(fresh, 5), "epoch 5 after epoch 2 was decoded ahead");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto tail = epoch(ahead, 6, 3);
  auto whole = epoch(fresh, 6);
  whole.erase(whole.begin(), whole.begin() + 3);
  expect_same(tail, whole, "epoch 6 from batch 3");
}

TEST(LoaderScheduler, WithoutShuffleOrAugmentationTheSamePassIsKeptForAnyEpoch) {
  auto o = options_for(2, 2, 8);
  o.shuffle = false;
  o.augment = false;
  o.prefetch_across_epochs = true;
  auto loader = synthetic_loader(40, o, {});
  const auto first = epoch(loader, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  expect_same(epoch(loader, 9), first, "a validation pass at epoch 9");
}

TEST(LoaderScheduler, AutoWorkersLeaveOneCoreToTheModel) {
  cpu_set_t allowed;
  ASSERT_EQ(sched_getaffinity(0, sizeof allowed, &allowed), 0);
  const int cores = CPU_COUNT(&allowed);  // the cores this process may use, not the machine's
  EXPECT_EQ(auto_workers(), cores > 1 ? cores - 1 : 1);
}

}  // namespace tessera::data
