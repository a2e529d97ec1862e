// (l) The loader's scheduler on a synthetic source whose decode sleeps (issue 18): how close
// `workers` threads come to workers x (1 / decode time), and how soon an epoch's first batch
// arrives, for each prefetch. Sleeping threads wait rather than compute, so a 2-core machine can
// model the 8-16 decode threads of a big one; real decoding is bench_loader's job.
//
//   bench_scheduler [--workers 1,2,4,8,16] [--prefetch 1,2,8] [--batch 32] [--samples 640] [--decode-us 10000]
//                   [--step-us 0]
//
// --step-us models the consumer (a GPU training step) as a sleep per batch, for the paper model
// of a big machine: throughput is then min(workers / decode, batch / step) when nothing drains.
// One line per (workers, prefetch): samples/s over one epoch after a warm-up epoch, its share of
// the ideal workers / decode time, and the first batch's latency against the ideal
// ceil(batch / workers) x decode time. Last line: "RESULT worst_share=<min share over the runs
// with >= 8 workers> worst_first_batch_ratio=<max latency / ideal over the same runs>".
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <thread>

#include "bench_common.h"
#include "tessera/data/loader.h"
#include "tessera/data/sample_source.h"

namespace {

std::vector<long> list(const std::string& text) {
  std::vector<long> values;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) values.push_back(std::stol(item));
  return values;
}

tessera::data::ClassificationDataset labels_only(std::size_t n) {
  tessera::data::ClassificationDataset ds;
  ds.classes = {"a", "b"};
  ds.root = "synthetic";
  for (std::size_t i = 0; i < n; ++i) ds.samples.push_back({"synthetic/" + std::to_string(i), static_cast<std::int64_t>(i % 2)});
  return ds;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tessera::data;
  const bench::Args args{argc, argv};
  const auto workers_list = list(args.get("workers", "1,2,4,8,16"));
  const auto prefetch_list = list(args.get("prefetch", "1,2,8"));
  const long batch = args.get_int("batch", 32), samples = args.get_int("samples", 640);
  const double decode_ms = static_cast<double>(args.get_int("decode-us", 10000)) / 1000.0;
  const long step_us = args.get_int("step-us", 0);
  torch::set_num_threads(1);
  std::printf("bench_scheduler: %ld samples, batch %ld, decode %.2f ms (a sleep), step %ld us, 3x32x32 u8 -> float\n",
              samples, batch, decode_ms, step_us);
  double worst_share = 1e9, worst_first = 0;
  for (const long workers : workers_list) {
    for (const long prefetch : prefetch_list) {
      LoaderOptions o;
      o.batch_size = batch;
      o.workers = static_cast<int>(workers);
      o.prefetch_batches = static_cast<int>(prefetch);
      o.shuffle = true;
      o.channels = 3;
      o.preprocess.out_h = o.preprocess.out_w = 32;
      BatchLoader loader(labels_only(static_cast<std::size_t>(samples)), o,
                         synthetic_source(32, 32, std::chrono::microseconds(args.get_int("decode-us", 10000))));
      double first = 0, seconds = 0;
      std::size_t delivered = 0;
      for (int epoch = 0; epoch < 2; ++epoch) {  // epoch 0 warms up threads and the allocator
        const double t0 = bench::now_seconds();
        loader.start_epoch(epoch);
        bool got_first = false;
        delivered = 0;
        while (auto b = loader.next()) {
          if (!got_first) first = bench::now_seconds() - t0, got_first = true;
          delivered += static_cast<std::size_t>(b->size());
          if (step_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(step_us));
        }
        seconds = bench::now_seconds() - t0;
      }
      double ideal = workers * 1000.0 / decode_ms;
      if (step_us > 0) ideal = std::min(ideal, batch * 1e6 / static_cast<double>(step_us));
      const double rate = delivered / seconds;
      const double first_ideal = std::ceil(static_cast<double>(batch) / workers) * decode_ms / 1000.0;
      std::printf("  workers %2ld prefetch %ld: %7.1f samples/s = %5.1f%% of %6.0f; first batch %6.1f ms (ideal %5.1f, x%.2f)\n",
                  workers, prefetch, rate, 100 * rate / ideal, ideal, first * 1000, first_ideal * 1000, first / first_ideal);
      if (workers >= 8) {
        worst_share = std::min(worst_share, rate / ideal);
        worst_first = std::max(worst_first, first / first_ideal);
      }
    }
  }
  std::printf("RESULT worst_share=%.3f worst_first_batch_ratio=%.2f\n", worst_share, worst_first);
  return 0;
}
