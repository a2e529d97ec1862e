// (a) Loader + preprocessing throughput. The peer is bench/loader_torchvision.py.
//
//   bench_loader DIR [--workers 2] [--batch 64] [--size 224] [--epochs 3] [--prefetch 4]
//
// Reads DIR as an image folder (one subfolder per class), decodes every JPEG as RGB, resizes it
// straight to size x size (bilinear, no antialias), normalises with the ImageNet mean/std and
// batches it (float32 NCHW), shuffled, with `workers` decode threads. Epoch 0 is a warm-up (page
// cache, allocator) and is reported apart; the result is the mean over the following epochs.
// Last line: "RESULT images_per_s=<steady> warmup_images_per_s=<epoch 0>".
#include <torch/torch.h>

#include <cstdio>

#include "bench_common.h"
#include "tessera/data/dataset.h"
#include "tessera/data/loader.h"

int main(int argc, char** argv) {
  const bench::Args args{argc, argv};
  const std::string dir = args.positional(0, "/tmp/tessera-bench/jpegs");
  const int size = static_cast<int>(args.get_int("size", 224));
  const long epochs = args.get_int("epochs", 3);

  tessera::data::LoaderOptions options;
  options.batch_size = args.get_int("batch", 64);
  options.workers = static_cast<int>(args.get_int("workers", 2));
  options.prefetch_batches = static_cast<int>(args.get_int("prefetch", 4));
  options.shuffle = true;
  options.channels = 3;
  options.preprocess.resize_h = options.preprocess.resize_w = size;
  options.preprocess.out_h = options.preprocess.out_w = size;
  options.preprocess.mean = {0.485f, 0.456f, 0.406f};
  options.preprocess.std = {0.229f, 0.224f, 0.225f};
  torch::set_num_threads(1);  // the consumer does no tensor math; the workers are the parallelism

  try {
    tessera::data::BatchLoader loader(tessera::data::load_image_folder(dir), options);
    const auto n = loader.dataset().samples.size();
    std::printf("bench_loader: %zu images, batch %lld, %d workers, %dx%d, %ld epochs (+1 warm-up)\n", n,
                static_cast<long long>(options.batch_size), options.workers, size, size, epochs);
    double warmup_rate = 0, steady_images = 0, steady_seconds = 0, checksum = 0;
    for (long epoch = 0; epoch <= epochs; ++epoch) {
      const double t0 = bench::now_seconds();
      std::size_t images = 0;
      loader.start_epoch(epoch);
      while (auto batch = loader.next()) {
        images += static_cast<std::size_t>(batch->images.size(0));
        checksum += batch->images.data_ptr<float>()[0];  // touch the data
      }
      const double dt = bench::now_seconds() - t0;
      std::printf("  epoch %ld%s: %zu images in %.2f s = %.1f images/s\n", epoch, epoch == 0 ? " (warm-up)" : "",
                  images, dt, images / dt);
      if (epoch == 0) {
        warmup_rate = images / dt;
      } else {
        steady_images += static_cast<double>(images);
        steady_seconds += dt;
      }
    }
    const double rate = steady_seconds > 0 ? steady_images / steady_seconds : warmup_rate;
    std::printf("(checksum %.3f)\nRESULT images_per_s=%.1f warmup_images_per_s=%.1f\n", checksum, rate, warmup_rate);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_loader: %s\n", e.what());
    return 1;
  }
  return 0;
}
