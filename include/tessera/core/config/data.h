#pragma once
#include <string>
#include <vector>

#include "tessera/core/config/reader.h"

namespace tessera::config {

// Datasets and the input pipeline. Each split is a class-per-subfolder directory or a CSV
// manifest (path,label). Images are resized (bilinear, half-pixel centres, no antialias) to
// `resize`, then cropped to `crop`: a random window (after `pad` pixels of zero padding, with
// horizontal flips at rate `hflip`) while training, the centre window otherwise.
struct DataConfig {
  std::string train;                 // required for training
  std::string val;                   // optional: model selection and early stopping
  std::string test;                  // optional: evaluated once at the end of training
  int channels = 3;                  // 1 = grey, 3 = RGB
  Size2 resize{0, 0};                // 0 = keep the source size
  Size2 crop{224, 224};              // network input size
  int pad = 0;                       // zero padding before the random crop (shift augmentation)
  double hflip = 0.0;                // probability of a horizontal flip while training
  std::vector<double> mean{0.485, 0.456, 0.406};  // per channel, on x/255
  std::vector<double> std{0.229, 0.224, 0.225};
  int batch_size = 64;
  int workers = 2;                   // decode threads
  int prefetch = 4;                  // batches decoded ahead
  bool drop_last = true;             // drop the last partial training batch
  bool cache = false;                // keep decoded images in memory (small datasets)
  // Where resize/crop/flip/normalise run: "auto" = on the run's device (one fused CUDA kernel
  // per batch on a GPU, decode threads then only decode), "cpu" = in the decode threads.
  std::string preprocess_device = "auto";

  template <class V>
  void visit(V& v) {
    v.field("train", train);
    v.field("val", val);
    v.field("test", test);
    v.field("channels", channels);
    v.field("resize", resize);
    v.field("crop", crop);
    v.field("pad", pad);
    v.field("hflip", hflip);
    v.field("mean", mean);
    v.field("std", std);
    v.field("batch_size", batch_size);
    v.field("workers", workers);
    v.field("prefetch", prefetch);
    v.field("drop_last", drop_last);
    v.field("cache", cache);
    v.field("preprocess_device", preprocess_device);
  }
  void validate(const SectionChecker& c) const {
    if (channels != 1 && channels != 3) c.fail("channels", "must be 1 (grey) or 3 (RGB), got " + std::to_string(channels));
    if (resize.height < 0 || resize.width < 0) c.fail("resize", "must be >= 0");
    if (crop.height <= 0 || crop.width <= 0) c.fail("crop", "must be > 0");
    c.non_negative("pad", pad);
    c.in_range("hflip", hflip, 0.0, 1.0);
    if (mean.size() != static_cast<std::size_t>(channels)) {
      c.fail("mean", "needs one value per channel (" + std::to_string(channels) + "), got " + std::to_string(mean.size()));
    }
    if (std.size() != static_cast<std::size_t>(channels)) {
      c.fail("std", "needs one value per channel (" + std::to_string(channels) + "), got " + std::to_string(std.size()));
    }
    for (double s : std) {
      if (!(s > 0)) c.fail("std", "every value must be > 0");
    }
    c.positive("batch_size", batch_size);
    c.positive("workers", workers);
    c.positive("prefetch", prefetch);
    c.one_of("preprocess_device", preprocess_device, {"auto", "cpu"});
  }
};

}  // namespace tessera::config
